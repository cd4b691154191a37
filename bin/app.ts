import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../config/load.js';
import { ConfigError, type ContinuityConfig } from '../config/schema.js';
import { buildContinuityApp } from '../lib/app-builder.js';

const app = new App();
const env = String(app.node.tryGetContext('env') ?? 'dev');

let config: ContinuityConfig;
try {
  config = loadConfig(env);
} catch (e) {
  // A bad config is the operator's mistake, not a crash: print what to fix, no stack trace.
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}

buildContinuityApp(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
