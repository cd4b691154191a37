import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/schema.js';
import { runDrill, SCENARIOS } from '../local/drill/run.js';

const USAGE = `npm run drill -- [options]

Runs the synthesized app on this machine (loopback only) and injects the failures of DESIGN.md
section 9; prints a timeline per scenario and writes drill-report.json and drill-report.html.

  --scenario <name>   run only this scenario (repeatable): ${SCENARIOS.map((s) => s.name).join(', ')}
  --repeat <n>        run the scenarios n times; timings as median and p95 (default 1)
  --keep              leave the local deployment up at the end, with how to use it (Ctrl-C stops it)
  --report-dir <dir>  where the reports and function logs go (default drill-report)
  --edge <kind>       SIP edges: kamailio, builtin or auto (default auto: Kamailio when installed)
  --env <name>        the environment whose config/<env>.json is deployed (default dev)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        scenario: { type: 'string', multiple: true },
        repeat: { type: 'string', default: '1' },
        keep: { type: 'boolean', default: false },
        'report-dir': { type: 'string', default: 'drill-report' },
        edge: { type: 'string', default: 'auto' },
        env: { type: 'string', default: 'dev' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100)
  fail(`--repeat ${values.repeat}: use a whole number 1-100`);
const edge = values.edge;
if (edge !== 'auto' && edge !== 'kamailio' && edge !== 'builtin')
  fail(`--edge ${edge}: use kamailio, builtin or auto`);
const names = values.scenario ?? SCENARIOS.map((s) => s.name);
for (const name of names) {
  if (!SCENARIOS.some((s) => s.name === name)) fail(`--scenario ${name}: no such scenario`);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(values.env);
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  throw e;
}

// First Ctrl-C (or SIGTERM): stop everything in order. A second one: leave at once; the watchdogs and
// the next drill's reaper take care of what is still running.
let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => {
  interrupt = resolve;
});
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping the local deployment...\n`);
    interrupt();
  });
}

const report = await runDrill({
  config,
  scenarios: names,
  repeat,
  keep: values.keep,
  reportDir: values['report-dir'],
  edge,
  out: process.stdout,
  interrupted,
});
process.exit(signals > 0 ? 130 : report.passed ? 0 : 1);
