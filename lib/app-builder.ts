import { type App, Tags } from 'aws-cdk-lib';
import type { ContinuityConfig } from '../config/schema.js';
import { stackNames } from '../functions/shared/names.js';
import { DataStack } from './stacks/data-stack.js';
import { DnsStack } from './stacks/dns-stack.js';
import { RegionStack } from './stacks/region-stack.js';
import { WitnessStack } from './stacks/witness-stack.js';

export interface ContinuityStacks {
  readonly data: DataStack;
  /** One per active region, in the order of `config.regions.active`. */
  readonly regions: readonly RegionStack[];
  readonly witness: WitnessStack;
  /** Route 53 health checks and latency records (us-east-1). */
  readonly dns: DnsStack;
}

/**
 * Creates every stack of one environment in `app`. Stacks share nothing through
 * CloudFormation references (they live in different regions): resources are found
 * by their deterministic names.
 *
 * @example
 * const stacks = buildContinuityApp(new App(), loadConfig('dev'));
 */
export function buildContinuityApp(app: App, config: ContinuityConfig): ContinuityStacks {
  const names = stackNames(config.env);
  const data = new DataStack(app, names.data, { config });
  const regions = config.regions.active.map(
    (region) => new RegionStack(app, names.region(region), { config, region }),
  );
  const witness = new WitnessStack(app, names.witness, { config });
  // Deploy order only (no reference): the functions find the tables and secrets by name, so on a first
  // `cdk deploy --all` the Data stack must exist before anything starts using them.
  for (const stack of [...regions, witness])
    stack.addStackDependency(data, 'finds its tables and secrets by name');
  // The one cross-region reference of the app: the health endpoint URLs (and API domains) exist only
  // once the region stacks are deployed (see DnsStack).
  const dns = new DnsStack(app, names.dns, {
    config,
    regions: regions.map((stack) => ({
      region: stack.region,
      healthUrl: stack.quorum.healthUrl.url,
      apiRegionalDomainName: stack.apiDomain?.regionalDomainName,
    })),
  });
  Tags.of(app).add('project', 'cc-continuity');
  Tags.of(app).add('environment', config.env);
  return { data, regions, witness, dns };
}
