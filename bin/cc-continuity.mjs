#!/usr/bin/env node
// `npx cc-continuity ...`: runs the TypeScript operator command (bin/cli.ts) through tsx, which
// `npm ci` installs, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
