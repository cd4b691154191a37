import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * English messages for `zod/mini` schemas. Classic `zod` registers them by itself; `zod/mini` ships none
 * (every issue reads "Invalid input"), yet our config, event and request errors show zod's default texts
 * ("Too small: expected number to be >=1"). The setting is global to zod's core, so importing this module
 * once anywhere in a module graph is enough; a module that defines schemas imports it for its side effect.
 *
 * Import zod/mini as a namespace (`import * as z`), never `import { z }`: esbuild tree-shakes property
 * accesses on a namespace import, but the re-exported `z` object keeps all of zod (every locale, the JSON
 * Schema converters): about 410 KiB more per bundle.
 *
 * @example
 * import '../shared/zod-messages.js';
 * import * as z from 'zod/mini';
 */
config(en());
