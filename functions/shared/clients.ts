/**
 * AWS SDK clients with our defaults, all in one import for the CLI, local runs, benches and tests.
 * Function code imports the one module per client under clients/ instead: each SDK package costs its
 * load time at every cold start, and a static import of this file loads all five (esbuild keeps an
 * external package's import even when nothing from it is used). Make each client once at module scope
 * (it holds the connection pool) and pass it to the adapters:
 *
 * @example
 * import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
 * const config = runtimeConfig();
 * const doc = dynamoDocClientFor(config);
 * const peerDoc = dynamoDocClientFor(config, config.peerRegion ?? config.region, { requestTimeoutMs: 300, maxAttempts: 1 });
 */
export { cloudWatchClient, cloudWatchClientFor } from './clients/cloudwatch.js';
export { dynamoClient, dynamoDocClient, dynamoDocClientFor } from './clients/dynamodb.js';
export { eventBridgeClient, eventBridgeClientFor, eventBridgePublisher } from './clients/eventbridge.js';
export { route53Client } from './clients/route53.js';
export { secretsManagerClient, secretsManagerClientFor } from './clients/secrets-manager.js';
export { type ClientTuning, DEFAULT_CLIENT_TUNING } from './clients/tuning.js';
