import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import {
  DATA_ACTIONS,
  type DataActionSource,
} from '../../../integrations/genesys-cloud/data-actions/source.js';

/**
 * The worked Archy flows of integrations/genesys-cloud/flows/ against the kit's data actions: every
 * flow parses, names only data actions the kit defines (all three of them), passes only inputs their
 * input contracts declare and maps only outputs their output contracts declare, and every data action
 * call and every transfer has its failure (and, for data actions, timeout) path end in the local
 * fallback queue with `ccContinuity.fallbackReason` set. The rules below are the ones the flow README
 * states; the last block shows each rule catching the mistake it exists for.
 */

const FLOWS_DIR = fileURLToPath(new URL('../../../integrations/genesys-cloud/flows/', import.meta.url));
const FALLBACK_QUEUE = 'Task.fallbackQueue';
const FALLBACK_REASON = 'ccContinuity.fallbackReason';
const ACTIONS = new Map(DATA_ACTIONS.map((action) => [action.name, action]));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one key of an Archy single-key mapping (`- callData: {...}`, `category: {<name>: ...}`). */
function only(value: Json | undefined): [string, Json] | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value);
  return entries.length === 1 ? entries[0] : undefined;
}

/** Every value under `key` anywhere in `node`, with a readable path to it. */
function findAll(node: Json, key: string, path = ''): { path: string; value: Json }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findAll(item, key, `${path}[${i}]`));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([k, v]) => [
    ...(k === key ? [{ path: `${path}.${k}`, value: v }] : []),
    ...findAll(v, key, `${path}.${k}`),
  ]);
}

interface DataActionCall {
  readonly path: string;
  readonly category: string | undefined;
  readonly action: string | undefined;
  readonly config: JsonObject;
  readonly outputs: JsonObject;
}

/** `callData: {category: {<integration>: {dataAction: {<action name>: {inputs, successOutputs, ...}}}}}`. */
function dataActionCalls(flow: Json): DataActionCall[] {
  return findAll(flow, 'callData').map(({ path, value }) => {
    const call = isObject(value) ? value : {};
    const [category, inCategory] = only(call.category) ?? [];
    const [action, config] = (isObject(inCategory) ? only(inCategory.dataAction) : undefined) ?? [];
    return {
      path,
      category,
      action,
      config: isObject(config) ? config : {},
      outputs: isObject(call.outputs) ? call.outputs : {},
    };
  });
}

/** The actions of an output path (`outputs.<name>.actions`), each as its single-key mapping. */
function pathActions(outputs: JsonObject, name: string): [string, JsonObject][] {
  const output = outputs[name];
  const actions = isObject(output) ? output.actions : undefined;
  if (!Array.isArray(actions)) return [];
  return actions.map((a) => only(a)).map(([kind, body] = ['?', null]) => [kind, isObject(body) ? body : {}]);
}

const expOf = (value: Json | undefined): Json | undefined => (isObject(value) ? value.exp : undefined);
const litOf = (value: Json | undefined): Json | undefined => (isObject(value) ? value.lit : undefined);

/** What is wrong with an output path that must say why and go to the fallback queue (empty: nothing). */
function fallbackProblems(outputs: JsonObject, name: string, where: string): string[] {
  const actions = pathActions(outputs, name);
  if (actions.length === 0) return [`${where}: no ${name} path`];
  const said = actions.findIndex(
    ([kind, body]) =>
      kind === 'setParticipantData' &&
      Array.isArray(body.attributes) &&
      body.attributes.some((a) => {
        const attribute = isObject(a) ? a.attribute : undefined;
        return isObject(attribute) && litOf(attribute.name) === FALLBACK_REASON;
      }),
  );
  const transferred = actions.findIndex(
    ([kind, body]) => kind === 'transferToAcd' && expOf(body.targetQueue) === FALLBACK_QUEUE,
  );
  const problems: string[] = [];
  if (said < 0) problems.push(`${where}: the ${name} path does not set ${FALLBACK_REASON}`);
  if (transferred < 0) problems.push(`${where}: the ${name} path does not transfer to ${FALLBACK_QUEUE}`);
  else if (said > transferred)
    problems.push(`${where}: the ${name} path transfers before it sets ${FALLBACK_REASON}`);
  return problems;
}

/** What is wrong with the data action calls of a flow against the kit's actions (empty: nothing). */
function dataActionProblems(flow: Json, actions: ReadonlyMap<string, DataActionSource>): string[] {
  return dataActionCalls(flow).flatMap((call) => {
    const where = `${call.path} (${call.action ?? 'no action'})`;
    const action = call.action === undefined ? undefined : actions.get(call.action);
    if (call.category === undefined || action === undefined) {
      return [`${where}: names no data action of the kit (${[...actions.keys()].join(', ')})`];
    }
    const inputs = Object.keys(isObject(call.config.inputs) ? call.config.inputs : {});
    const outputs = Object.keys(isObject(call.config.successOutputs) ? call.config.successOutputs : {});
    const declaredIn = Object.keys(action.input.properties ?? {});
    const declaredOut = Object.keys(action.output.properties ?? {});
    return [
      ...inputs
        .filter((i) => !declaredIn.includes(i))
        .map((i) => `${where}: input ${i} is not in the contract`),
      ...(action.input.required ?? [])
        .filter((r) => !inputs.includes(r))
        .map((r) => `${where}: required input ${r} is not passed`),
      ...outputs
        .filter((o) => !declaredOut.includes(o))
        .map((o) => `${where}: success output ${o} is not in the contract`),
      ...(pathActions(call.outputs, 'success').length === 0 ? [`${where}: no success path`] : []),
      ...fallbackProblems(call.outputs, 'failure', where),
      ...fallbackProblems(call.outputs, 'timeout', where),
    ];
  });
}

/** Transfers other than to the fallback queue must fall back when they fail. */
function transferProblems(flow: Json): string[] {
  return ['transferToAcd', 'transferToNumber'].flatMap((kind) =>
    findAll(flow, kind)
      .filter(({ value }) => isObject(value) && expOf(value.targetQueue) !== FALLBACK_QUEUE)
      .flatMap(({ path, value }) =>
        fallbackProblems(isObject(value) && isObject(value.outputs) ? value.outputs : {}, 'failure', path),
      ),
  );
}

interface FlowFile {
  readonly file: string;
  readonly errors: readonly string[];
  readonly flow: Json;
}

const FLOW_FILES: readonly FlowFile[] = readdirSync(FLOWS_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((file) => {
    const document = parseDocument(readFileSync(join(FLOWS_DIR, file), 'utf8'), { uniqueKeys: true });
    return { file, errors: document.errors.map((e) => e.message), flow: document.toJS() as Json };
  });

const clone = (flow: Json): Json => structuredClone(flow);

describe('the worked Archy flows', () => {
  it('has at least one flow file', () => {
    expect(FLOW_FILES.map((f) => f.file)).not.toEqual([]);
  });

  describe.each(FLOW_FILES)('$file', ({ errors, flow }) => {
    const root = only(flow);
    const body = root !== undefined && isObject(root[1]) ? root[1] : {};

    it('parses as YAML without errors', () => {
      expect(errors).toEqual([]);
    });

    it('is an inbound call flow whose startUpRef names one of its tasks', () => {
      // Prepare
      const refIds = findAll(body.tasks ?? [], 'refId').map(({ value }) => value);
      const startUp = typeof body.startUpRef === 'string' ? body.startUpRef : '';

      // Assess
      expect(root?.[0]).toBe('inboundCall');
      expect(startUp).toMatch(/^\/inboundCall\/tasks\/task\[.+\]$/);
      expect(refIds).toContain(startUp.replace(/^\/inboundCall\/tasks\/task\[(.+)\]$/, '$1'));
    });

    it('names only data actions the kit defines, and uses every one of them', () => {
      // Act
      const used = dataActionCalls(flow).map((call) => call.action);

      // Assess
      expect(used.filter((name) => name === undefined || !ACTIONS.has(name))).toEqual([]);
      expect([...new Set(used)].sort()).toEqual([...ACTIONS.keys()].sort());
    });

    it('passes only declared inputs, maps only declared outputs, and falls back on failure and timeout', () => {
      expect(dataActionProblems(flow, ACTIONS)).toEqual([]);
    });

    it('falls back to the local queue when any other transfer fails', () => {
      expect(transferProblems(flow)).toEqual([]);
    });

    it('declares the fallback queue as a per-organization queue variable', () => {
      // Prepare
      const queues = findAll(flow, 'queueVariable').map(({ value }) => value);

      // Assess
      expect(queues).toContainEqual({
        name: FALLBACK_QUEUE,
        initialValue: { lit: { name: '{{fallback_queue_name}}' } },
      });
    });

    it('puts the saved token in the User-to-User data right before the transfer to the other region', () => {
      // Prepare
      const save = dataActionCalls(flow).find((call) => call.action === 'cc-continuity-save-context');
      const outputs = isObject(save?.config.successOutputs) ? save.config.successOutputs : {};
      const tokenVariable = isObject(outputs.token) ? outputs.token.var : undefined;

      // Act
      const kinds = pathActions(save?.outputs ?? {}, 'success');

      // Assess
      expect(tokenVariable).toEqual(expect.any(String));
      expect(kinds.map(([kind]) => kind)).toEqual(['setUUIData', 'transferToNumber']);
      expect(kinds[0]?.[1]).toMatchObject({ mode: 'transfer', uuiData: { exp: tokenVariable } });
    });

    it('fetches the context with the token that arrived in the User-to-User data', () => {
      // Prepare
      const fetch = dataActionCalls(flow).find((call) => call.action === 'cc-continuity-fetch-context');

      // Assess
      expect(fetch?.config.inputs).toEqual({ token: { exp: 'Call.UUIData' } });
    });
  });

  // The rules above hold for the flow as written; here each is shown to catch its mistake.
  describe('the rules', () => {
    const [first] = FLOW_FILES;
    const flow = first?.flow ?? null;

    it('rejects a flow that names an action the kit does not define (a rename)', () => {
      // Prepare
      const renamed = new Map(
        [...ACTIONS].map(([name, action]) => [
          name === 'cc-continuity-resolve-queue' ? 'cc-continuity-resolve' : name,
          action,
        ]),
      );

      // Act
      const problems = dataActionProblems(flow, renamed);

      // Assess
      expect(
        problems.some((p) => p.includes('cc-continuity-resolve-queue') && p.includes('names no data action')),
      ).toBe(true);
    });

    it('rejects an input or an output that the contract does not declare', () => {
      // Prepare
      const narrowed = new Map(
        [...ACTIONS].map(([name, action]) => [
          name,
          name === 'cc-continuity-fetch-context'
            ? {
                ...action,
                input: { ...action.input, properties: {} },
                output: { ...action.output, properties: {} },
              }
            : action,
        ]),
      );

      // Act
      const problems = dataActionProblems(flow, narrowed);

      // Assess
      expect(problems).toContainEqual(expect.stringContaining('input token is not in the contract'));
      expect(problems).toContainEqual(
        expect.stringContaining('success output source is not in the contract'),
      );
    });

    it('rejects a data action call without a timeout path', () => {
      // Prepare
      const broken = clone(flow);
      const [call] = findAll(broken, 'callData');
      if (isObject(call?.value) && isObject(call.value.outputs)) delete call.value.outputs.timeout;

      // Act
      const problems = dataActionProblems(broken, ACTIONS);

      // Assess
      expect(problems).toContainEqual(expect.stringMatching(/no timeout path$/));
    });

    it('rejects a failure path that goes to the fallback queue without saying why', () => {
      // Prepare
      const broken = clone(flow);
      const [call] = findAll(broken, 'callData');
      const failure =
        isObject(call?.value) && isObject(call.value.outputs) ? call.value.outputs.failure : null;
      if (isObject(failure) && Array.isArray(failure.actions)) failure.actions.shift();

      // Act
      const problems = dataActionProblems(broken, ACTIONS);

      // Assess
      expect(problems).toContainEqual(
        expect.stringContaining(`failure path does not set ${FALLBACK_REASON}`),
      );
    });

    it('rejects a transfer whose failure path does not fall back', () => {
      // Prepare
      const broken = clone(flow);
      const [transfer] = findAll(broken, 'transferToNumber');
      if (isObject(transfer?.value)) delete transfer.value.outputs;

      // Act
      const problems = transferProblems(broken);

      // Assess
      expect(problems).toContainEqual(expect.stringMatching(/transferToNumber: no failure path$/));
    });
  });
});
