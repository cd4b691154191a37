import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { RuntimeConfig } from '../runtime-config.js';
import { type ClientTuning, clientConfig } from './tuning.js';

export function cloudWatchClient(region: string, endpoint?: string, tuning?: ClientTuning): CloudWatchClient {
  return new CloudWatchClient(clientConfig(region, endpoint, tuning));
}

export function cloudWatchClientFor(config: RuntimeConfig, tuning?: ClientTuning): CloudWatchClient {
  return cloudWatchClient(config.region, config.endpoints.cloudWatch, tuning);
}
