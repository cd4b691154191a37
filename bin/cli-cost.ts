import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { estimateCost, knobSavings } from '../lib/cost/model.js';
import { loadPrices } from '../lib/cost/prices.js';
import { formatBill } from '../lib/cost/report.js';
import { DEFAULT_CALLS_PER_DAY } from '../lib/cost/types.js';

const HELP = `cc-continuity cost: a monthly estimate of an environment's AWS bill

Usage:
  npx cc-continuity cost --env <env> [--calls-per-day <n>] [--json]

Prints the total, the five biggest drivers, what each knob (probe interval, heartbeat poll, monitor memory,
vote refresh, alarm period, tracing) would save, and every line of the bill with how it was derived.
Unit prices: lib/cost/prices.json (source and date inside). Nothing is called: no AWS credentials needed.

Options:
  --env <env>              environment (config/<env>.json)                            required
  --calls-per-day <n>      inbound calls a day                                        default ${DEFAULT_CALLS_PER_DAY}
  --json                   one JSON document: { bill, savings, prices: { date, sources } }
  -h, --help               this text
`;

class CostUsageError extends Error {}

/** `cc-continuity cost ...`; returns the exit code. Config errors go to bin/cli.ts. */
export async function costCommand(argv: readonly string[]): Promise<number> {
  try {
    return run(argv);
  } catch (error) {
    if (error instanceof CostUsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n\nRun cc-continuity cost --help for usage.\n`);
      return 2;
    }
    throw error;
  }
}

function run(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string' },
      'calls-per-day': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.env) throw new CostUsageError('--env is required');
  const given = values['calls-per-day'];
  const callsPerDay = given === undefined ? DEFAULT_CALLS_PER_DAY : Number(given);
  if (!Number.isFinite(callsPerDay) || callsPerDay < 0)
    throw new CostUsageError(`--calls-per-day ${given} must be a number, 0 or more`);
  const config = loadConfig(values.env);
  const prices = loadPrices();
  const bill = estimateCost(config, { prices, callsPerDay });
  const savings = knobSavings(config, { prices, callsPerDay });
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ bill, savings, prices: { date: prices.date, sources: prices.sources } }, null, 2)}\n`
      : formatBill(bill, savings, prices),
  );
  return 0;
}
