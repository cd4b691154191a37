import { runtimeConfig } from '../shared/runtime-config.js';
import { resolveRouteDeps } from './resolve/deps.js';
import { resolveQueueRoute } from './resolve/route.js';

/** Lambda entry of `POST /routing/resolve`: clients, secrets cache and config live for the container. */
export const handler = resolveQueueRoute(resolveRouteDeps(runtimeConfig()));
