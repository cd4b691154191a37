import { Ajv } from 'ajv';
import { JSONPath } from 'jsonpath-plus';
import velocity from 'velocityjs';
import { apiBaseUrl } from '../../../integrations/genesys-cloud/data-actions/render.js';
import type {
  DataActionSource,
  JsonSchema,
} from '../../../integrations/genesys-cloud/data-actions/source.js';

/**
 * What the platform does with a data action around the HTTP call, as its documentation describes it
 * (integrations/genesys-cloud/data-actions/README.md): Velocity renders the URL, headers and body from
 * `input` and `credentials`; each translation-map JSONPath is evaluated on the answer and its variable
 * holds the JSON text of what it found (its default's JSON text when it found nothing; a null stays
 * null); the success template renders with those variables and must be JSON matching the output
 * contract. Velocity is `velocityjs`, JSONPath `jsonpath-plus`, the contract check `ajv`.
 */

/** The `esc` tool the platform's Velocity macros name: Velocity's EscapeTool. */
// Like EscapeTool, a null argument gives null, which Velocity renders as the reference's own text.
const esc = {
  /** JSON string content, without the quotes. */
  jsonString: (value: unknown) => (value == null ? undefined : JSON.stringify(String(value)).slice(1, -1)),
  /** `java.net.URLEncoder.encode(value, "UTF-8")`, which EscapeTool's url() calls. */
  url: (value: unknown) =>
    value == null
      ? undefined
      : encodeURIComponent(String(value))
          .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
          .replaceAll('%20', '+'),
};

export interface RenderedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function renderRequest(
  action: DataActionSource,
  input: Record<string, unknown>,
  credentials: Record<string, string>,
  zoneName: string,
): RenderedRequest {
  const context = { input: { ...input, rawRequest: JSON.stringify(input) }, credentials, esc };
  const render = (template: string) => velocity.render(template, context);
  return {
    method: action.requestType,
    url: new URL(render(`${apiBaseUrl(zoneName)}${action.pathTemplate}`)),
    headers: Object.fromEntries(Object.entries(action.headers).map(([k, v]) => [k, render(v)])),
    body: render(action.requestTemplate),
  };
}

/** A path that names one value; others (wildcards, slices, filters, deep scans) name a list. */
function isDefinite(path: string): boolean {
  return !/\*|\.\.|\?\(|\[[^\]]*[:,][^\]]*\]/.test(path);
}

/** The translation-map variables of `answer`, each as JSON text; a variable with nothing found is absent. */
export function translate(action: DataActionSource, answer: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, path] of Object.entries(action.translationMap)) {
    const found = JSONPath({ path, json: answer as object, wrap: true }) as unknown[];
    if (!isDefinite(path)) vars[name] = JSON.stringify(found);
    else if (found.length > 0) vars[name] = JSON.stringify(found[0]);
    else if (action.translationMapDefaults[name] !== undefined)
      vars[name] = action.translationMapDefaults[name];
  }
  return vars;
}

const ajv = new Ajv({ allErrors: true, strict: true });

export type ActionResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: string };

/** The action's resolved response for the API's `answer`, checked against its output contract. */
export function applyResponse(action: DataActionSource, answer: unknown): ActionResult {
  const rendered = velocity.render(action.successTemplate, { ...translate(action, answer), esc });
  let output: unknown;
  try {
    output = JSON.parse(rendered);
  } catch {
    return { ok: false, error: `the success template did not render JSON: ${rendered}` };
  }
  return checkContract(action.output, output);
}

export function checkContract(schema: JsonSchema, value: unknown): ActionResult {
  const validate = ajv.compile(schema);
  if (validate(value)) return { ok: true, output: value as Record<string, unknown> };
  return { ok: false, error: ajv.errorsText(validate.errors) };
}
