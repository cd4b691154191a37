import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RuntimeConfig } from '../runtime-config.js';
import { type ClientTuning, clientConfig } from './tuning.js';

export function secretsManagerClient(
  region: string,
  endpoint?: string,
  tuning?: ClientTuning,
): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(region, endpoint, tuning));
}

export function secretsManagerClientFor(config: RuntimeConfig, tuning?: ClientTuning): SecretsManagerClient {
  return secretsManagerClient(config.region, config.endpoints.secretsManager, tuning);
}
