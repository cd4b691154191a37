import { runtimeConfig } from '../../shared/runtime-config.js';
import { contextRouteDeps } from '../deps.js';
import { getContextRoute } from '../routes.js';

/** Lambda entry of `GET /contexts/{token}`: clients, secrets cache and config live for the container. */
export const handler = getContextRoute(contextRouteDeps(runtimeConfig(), 'context-get'));
