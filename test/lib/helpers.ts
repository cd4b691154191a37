import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_DIR } from '../../config/load.js';
import { type ContinuityConfig, parseConfig } from '../../config/schema.js';

/** config/dev.json as parsed, with any top-level fields replaced (e.g. another env name). */
export function testConfig(overrides: Record<string, unknown> = {}): ContinuityConfig {
  const raw = JSON.parse(readFileSync(join(CONFIG_DIR, 'dev.json'), 'utf8')) as Record<string, unknown>;
  return parseConfig({ ...raw, ...overrides }, 'test config');
}

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

/**
 * An app with the feature flags of cdk.json, so tests synthesize what `cdk synth` does
 * (the CLI passes cdk.json's context; a bare `new App()` would use other defaults).
 * It writes to its own temp folder, so a failed synth still leaves its validation report.
 */
export function cdkApp(options: { readonly bundle?: boolean } = {}): App {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };
  // No stack bundled (as `cdk synth` does for stacks it was not asked for): for tests that read
  // policies and not code, a synth in seconds instead of a minute.
  const bundling = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  return new App({
    context: { ...context, ...bundling },
    outdir: mkdtempSync(join(tmpdir(), 'cc-continuity-cdk-')),
  });
}

export function addNag(app: App): App {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

interface ViolatingResource {
  readonly constructPath?: string;
  readonly resourceLogicalId?: string;
}
export interface Violation {
  readonly ruleName: string;
  readonly violatingResources: readonly ViolatingResource[];
}

/** Unacknowledged violations in the validation report CDK writes next to the templates. */
export function reportedViolations(app: App): Violation[] {
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations?: Violation[] }[];
  };
  return report.pluginReports.flatMap((r) => r.violations ?? []);
}

/** Synthesizes and returns the assembly, or the error synth failed with. */
export function trySynth(app: App): { assembly?: CloudAssembly; error?: Error } {
  try {
    return { assembly: app.synth() };
  } catch (e) {
    return { error: e as Error };
  }
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Resources of one type in a template, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Every stack of an assembly as a Template, keyed by stack name. */
export function templatesOf(assembly: CloudAssembly): Map<string, Template> {
  return new Map(
    assembly.stacks.map((s) => [s.stackName, Template.fromJSON(s.template as Record<string, unknown>)]),
  );
}

/** Lambda functions whose runtime is not the expected one, as `stack/logicalId: runtime`. */
export function functionsNotOn(assembly: CloudAssembly, runtime: string): string[] {
  const wrong: string[] = [];
  for (const [stack, template] of templatesOf(assembly)) {
    for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
      const actual = fn.Properties?.Runtime;
      if (actual !== runtime) wrong.push(`${stack}/${id}: ${String(actual)}`);
    }
  }
  return wrong;
}

export interface RuleTarget {
  readonly Arn: unknown;
  readonly RoleArn?: unknown;
  readonly DeadLetterConfig?: { readonly Arn: { readonly 'Fn::GetAtt': [string, string] } };
}

/** Every target of every EventBridge rule in a template. */
export function ruleTargets(template: Template): RuleTarget[] {
  return Object.values(resourcesOf(template, 'AWS::Events::Rule')).flatMap(
    (rule) => (rule.Properties?.Targets ?? []) as RuleTarget[],
  );
}
