// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Velocity templates for the platform, not JS template literals.
/**
 * The one source of the Genesys Cloud data actions that call this project's API (README "Context API",
 * "Region-agnostic routing"). `npm run integrations:genesys` renders it twice: as the JSON files the
 * platform's data-action import accepts, and as a CX-as-Code Terraform module; a test renders it again
 * and compares, so the two forms cannot drift from here or from each other.
 *
 * Platform facts used here, with their sources, are in ./README.md. In short: a "Web Services Data
 * Actions" integration (`custom-rest-actions`) whose User Defined credential holds the API key as the
 * field `apiKey`, read by templates as `${credentials.apiKey}`; Velocity in the URL, headers, body and
 * success template; `$!{x}` renders a null as empty where `${x}` renders its own name; translation-map
 * variables hold the JSON text of what their JSONPath found, so the success template writes strings
 * without quotes of its own (`"token": ${token}`), and a default is JSON text too.
 */

/** The JSON-schema subset the contracts use (input contracts accept flat scalars only). */
export interface JsonSchema {
  readonly type: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: boolean;
}

export interface DataActionSource {
  /** The action's name; flows refer to actions by it. */
  readonly name: string;
  readonly requestType: 'GET' | 'POST';
  /** Velocity, appended to `https://api.<zone>`. */
  readonly pathTemplate: string;
  /** Header values are Velocity too. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestTemplate: string;
  /** Output variable -> JSONPath into the API's answer. */
  readonly translationMap: Readonly<Record<string, string>>;
  /** Output variable -> JSON text used when its JSONPath finds nothing. */
  readonly translationMapDefaults: Readonly<Record<string, string>>;
  readonly successTemplate: string;
  readonly input: JsonSchema;
  readonly output: JsonSchema;
}

/** The platform's integration type of "Web Services Data Actions". */
export const INTEGRATION_TYPE = 'custom-rest-actions';
/** The field of the integration's User Defined credential that holds one of the API's keys. */
export const API_KEY_FIELD = 'apiKey';

const AUTHORIZATION = `Bearer \${credentials.${API_KEY_FIELD}}`;
const JSON_HEADERS = { Authorization: AUTHORIZATION, 'Content-Type': 'application/json' };

const str = (description: string): JsonSchema => ({ type: 'string', description });
const int = (description: string): JsonSchema => ({ type: 'integer', description });
const bool = (description: string): JsonSchema => ({ type: 'boolean', description });
const strings = (description: string): JsonSchema => ({
  type: 'array',
  description,
  items: { type: 'string' },
});

/** Velocity that writes `text` only when every input named is set (a flow may leave optional ones empty). */
function whenSet(inputs: readonly string[], text: string): string {
  const condition = inputs.map((name) => `"$!{input.${name}}" != ""`).join(' && ');
  return `#if(${condition})${text}#end`;
}

/** A JSON string value from an input, escaped as the platform's Velocity macros document. */
const quoted = (name: string) => `"$esc.jsonString(\${input.${name}})"`;

/**
 * `POST /contexts`. The API takes a nested context; a flow's inputs are flat scalars, so the body is
 * built here from them: one IVR selection, the queue position, the CRM contact and case ids, and the
 * participant attributes as a JSON object the flow passes as text. The key needs `contexts:write`.
 */
export const saveContext: DataActionSource = {
  name: 'cc-continuity-save-context',
  requestType: 'POST',
  pathTemplate: '/contexts',
  headers: JSON_HEADERS,
  requestTemplate: [
    `{"conversationId": ${quoted('conversationId')}`,
    whenSet(['expectedVersion'], ', "expectedVersion": ${input.expectedVersion}'),
    whenSet(
      ['ivrMenu', 'ivrChoice'],
      `, "ivrSelections": [{"menu": ${quoted('ivrMenu')}, "choice": ${quoted('ivrChoice')}}]`,
    ),
    whenSet(
      ['queueName', 'queuePosition'],
      `, "queuePosition": {"queue": ${quoted('queueName')}, "position": \${input.queuePosition}}`,
    ),
    ', "crm": {',
    whenSet(['crmContactId'], `"contact": {"id": ${quoted('crmContactId')}}`),
    whenSet(['crmContactId', 'crmCaseId'], ', '),
    whenSet(['crmCaseId'], `"case": {"id": ${quoted('crmCaseId')}}`),
    '}',
    whenSet(['attributesJson'], ', "attributes": ${input.attributesJson}'),
    '}',
  ].join('\n'),
  translationMap: {
    token: '$.token',
    conversationId: '$.conversationId',
    version: '$.version',
    expiresAt: '$.expiresAt',
    tokenExpiresAt: '$.tokenExpiresAt',
  },
  translationMapDefaults: {},
  successTemplate:
    '{"token": ${token}, "conversationId": ${conversationId}, "version": ${version}, ' +
    '"expiresAt": ${expiresAt}, "tokenExpiresAt": ${tokenExpiresAt}}',
  input: {
    type: 'object',
    title: 'Save context',
    required: ['conversationId'],
    properties: {
      conversationId: str('The conversation id (Call.ConversationId): 1-64 of A-Z a-z 0-9 . _ : -'),
      expectedVersion: int('The context version this flow last saw (0 for none); a stale one gets 409'),
      ivrMenu: str('The IVR menu the caller answered (saved with ivrChoice)'),
      ivrChoice: str('What the caller chose in ivrMenu'),
      queueName: str('The queue the caller waited in (saved with queuePosition)'),
      queuePosition: int('The caller position in queueName, 0 or more'),
      crmContactId: str('The CRM contact id'),
      crmCaseId: str('The CRM case id'),
      attributesJson: str(
        'Participant attributes as a JSON object of strings, numbers and booleans, e.g. {"language":"en"}',
      ),
    },
    additionalProperties: true,
  },
  output: {
    type: 'object',
    title: 'Saved context',
    required: ['token', 'conversationId', 'version', 'expiresAt', 'tokenExpiresAt'],
    properties: {
      token: str('The transfer token: put it in the User-to-User data of the transfer'),
      conversationId: str('The conversation id saved'),
      version: int('The version saved'),
      expiresAt: str('When the saved context expires (ISO-8601)'),
      tokenExpiresAt: str('When the token stops being accepted (ISO-8601)'),
    },
    additionalProperties: true,
  },
};

/**
 * `GET /contexts/{token}`, on arrival in the receiving region. The context is flattened for the flow:
 * lists of IVR menus and choices, the queue, and the CRM records and attributes as JSON text. The key
 * needs `contexts:read`.
 */
export const fetchContext: DataActionSource = {
  name: 'cc-continuity-fetch-context',
  requestType: 'GET',
  pathTemplate: '/contexts/$esc.url(${input.token})',
  headers: { Authorization: AUTHORIZATION },
  // The platform's request configuration shows this default for a GET, which sends no body.
  requestTemplate: '${input.rawRequest}',
  translationMap: {
    source: '$.source',
    partial: '$.partial',
    missing: '$.missing',
    // From the context itself, not the envelope: without a context the template cannot render JSON.
    conversationId: '$.context.conversationId',
    ivrMenus: '$.context.ivrSelections[*].menu',
    ivrChoices: '$.context.ivrSelections[*].choice',
    queueName: '$.context.queuePosition.queue',
    queuePosition: '$.context.queuePosition.position',
    crmContact: '$.context.crm.contact',
    crmCase: '$.context.crm.case',
    attributes: '$.context.attributes',
  },
  // Only parts a context may lack have defaults: a missing required field must fail the action.
  translationMapDefaults: {
    queueName: '""',
    queuePosition: '-1',
    crmContact: '{}',
    crmCase: '{}',
  },
  successTemplate:
    '{"source": ${source}, "partial": ${partial}, "missing": ${missing}, ' +
    '"conversationId": ${conversationId}, "ivrMenus": ${ivrMenus}, "ivrChoices": ${ivrChoices}, ' +
    '"queueName": ${queueName}, "queuePosition": ${queuePosition}, ' +
    '"crmContactJson": "$esc.jsonString(${crmContact})", "crmCaseJson": "$esc.jsonString(${crmCase})", ' +
    '"attributesJson": "$esc.jsonString(${attributes})"}',
  input: {
    type: 'object',
    title: 'Fetch context',
    required: ['token'],
    properties: { token: str('The transfer token from the User-to-User data') },
    additionalProperties: true,
  },
  output: {
    type: 'object',
    title: 'Fetched context',
    required: [
      'source',
      'partial',
      'missing',
      'conversationId',
      'ivrMenus',
      'ivrChoices',
      'queueName',
      'queuePosition',
      'crmContactJson',
      'crmCaseJson',
      'attributesJson',
    ],
    properties: {
      source: str('cache, origin (the other region replica) or crm (rebuilt from CRM events)'),
      partial: bool('True when parts may be missing or out of date (a rebuilt context)'),
      missing: strings('Parts a rebuilt context had no event for: ivr, crm, queue, attributes'),
      conversationId: str('The conversation id the token was issued for'),
      ivrMenus: strings('IVR menus answered, in order'),
      ivrChoices: strings('The choice made in each of ivrMenus'),
      queueName: str('The queue the caller waited in; empty when none was saved'),
      queuePosition: int('The caller position in queueName; -1 when none was saved'),
      crmContactJson: str('The CRM contact as a JSON object ({} when none)'),
      crmCaseJson: str('The CRM case as a JSON object ({} when none)'),
      attributesJson: str('The participant attributes as a JSON object'),
    },
    additionalProperties: true,
  },
};

/** The answer's flat fields, all of them, as `POST /routing/resolve` returns them. */
const RESOLVE_FIELDS = {
  region: str('The AWS region whose organization takes the call'),
  queueId: str('The platform queue id in that region'),
  transferAddress: str('Where to transfer when sameRegion is false (tel: or sip:)'),
  sameRegion: bool('True when the call stays in the caller region: transfer to queueId'),
  reason: str(
    'caller_region, better_elsewhere, overflow_capped, circuit_open, not_in_rotation, no_capacity, no_target, region_lock or fallback',
  ),
  decidedAt: str('When the answer was decided (ISO-8601)'),
  conversationId: str('The conversation id'),
  queue: str('The logical queue asked for'),
  resolvedQueue: str('The logical queue answered: queue, or its fallback'),
  detail: str('One sentence on the reason, for participant data'),
  priority: int('The priority the answer was recorded with'),
  decidedBy: str('The region whose resolve decided it'),
} as const;

/** `POST /routing/resolve`: which region's queue takes the conversation. The key needs `routing:resolve`. */
export const resolveQueue: DataActionSource = {
  name: 'cc-continuity-resolve-queue',
  requestType: 'POST',
  pathTemplate: '/routing/resolve',
  headers: JSON_HEADERS,
  requestTemplate: [
    `{"conversationId": ${quoted('conversationId')}, "queue": ${quoted('queue')}, "callerRegion": ${quoted('callerRegion')}`,
    whenSet(['priority'], ', "priority": ${input.priority}'),
    '}',
  ].join('\n'),
  translationMap: Object.fromEntries(Object.keys(RESOLVE_FIELDS).map((field) => [field, `$.${field}`])),
  translationMapDefaults: {},
  successTemplate: `{${Object.keys(RESOLVE_FIELDS)
    .map((field) => `"${field}": \${${field}}`)
    .join(', ')}}`,
  input: {
    type: 'object',
    title: 'Resolve queue',
    required: ['conversationId', 'queue', 'callerRegion'],
    properties: {
      conversationId: str('The conversation id: one answer per conversation'),
      queue: str('The logical queue, e.g. PRIMARY_SUPPORT_QUEUE (never a region queue)'),
      callerRegion: str('The AWS region of the organization the call landed in, e.g. us-east-1'),
      priority: int('0-1000000; a higher priority replaces an earlier answer'),
    },
    additionalProperties: true,
  },
  output: {
    type: 'object',
    title: 'Resolved queue',
    required: Object.keys(RESOLVE_FIELDS),
    properties: RESOLVE_FIELDS,
    additionalProperties: true,
  },
};

/** Every action of the kit, in the order flows use them. */
export const DATA_ACTIONS: readonly DataActionSource[] = [resolveQueue, saveContext, fetchContext];
