import type { ContinuityConfig } from '../../config/schema.js';
import type { JsonService } from '../aws/json-service.js';
import { alarmsFromTemplate, LocalAlarms, serviceAlarmNames } from '../cloudwatch/alarms.js';
import { startLocalCloudWatch } from '../cloudwatch/api.js';
import type { SynthesizedApp } from './synth.js';

/**
 * The drill's CloudWatch: every alarm the synthesized stacks create, and the user alarms the config's
 * `failover.triggers` name, behind DescribeAlarms on loopback. It starts before the functions (the
 * quorum reads trigger alarms from its first evaluation); the DNS emulation feeds and evaluates the
 * alarms and puts their changes on the default buses.
 */
export interface DrillCloudWatch {
  readonly alarms: LocalAlarms;
  /** DescribeAlarms for the functions (`CLOUDWATCH_ENDPOINT`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * The alarms of `app`: those on the functions' own metrics, evaluated; those on AWS metrics and the
 * trigger alarms (whose metrics are the user's), state-only and OK until a scenario sets them.
 *
 * @example
 * const alarms = drillAlarms(app, config);
 * alarms.setState('drill-sbc-errors-us-east-1', 'us-east-1', 'ALARM', 'drill');
 */
export function drillAlarms(app: SynthesizedApp, config: ContinuityConfig): LocalAlarms {
  const alarms = new LocalAlarms(app.regions.flatMap((s) => alarmsFromTemplate(s.template, s.region)));
  for (const stack of [...app.regions, app.witness, app.data])
    for (const name of serviceAlarmNames(stack.template)) alarms.defineExternal(name, stack.region);
  for (const trigger of config.failover.triggers) alarms.defineExternal(trigger.alarmName, trigger.region);
  return alarms;
}

/**
 * @example
 * const cloudWatch = await startDrillCloudWatch(app, config);
 * localEnvironment(fn, witness, { ...endpoints, cloudWatch: cloudWatch.endpoint });
 */
export async function startDrillCloudWatch(
  app: SynthesizedApp,
  config: ContinuityConfig,
): Promise<DrillCloudWatch> {
  const alarms = drillAlarms(app, config);
  const service: JsonService = await startLocalCloudWatch(alarms);
  return { alarms, endpoint: service.endpoint, close: () => service.close() };
}
