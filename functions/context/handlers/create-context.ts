import { runtimeConfig } from '../../shared/runtime-config.js';
import { contextRouteDeps } from '../deps.js';
import { createContextRoute } from '../routes.js';

/** Lambda entry of `POST /contexts`: clients, secrets cache and config live for the container. */
export const handler = createContextRoute(contextRouteDeps(runtimeConfig(), 'context-create'));
