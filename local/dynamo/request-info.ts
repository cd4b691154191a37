/**
 * What a DynamoDB JSON request touches, read from its `X-Amz-Target` header and body:
 * which tables, and whether it writes, reads strongly, or is a transaction. Plain data in,
 * plain data out; the region proxy routes and fences on it.
 */
export interface RequestInfo {
  /** e.g. `GetItem`, `DescribeStream`; '' when the header is missing */
  readonly operation: string;
  readonly tables: readonly string[];
  readonly writes: boolean;
  readonly stronglyConsistentRead: boolean;
  readonly transaction: boolean;
}

const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const TRANSACTIONS = new Set(['TransactWriteItems', 'TransactGetItems', 'ExecuteTransaction']);
const PARTIQL_TABLE = /\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]+)"?/gi;

type Json = Record<string, unknown>;

export function describeRequest(target: string | undefined, body: unknown): RequestInfo {
  const operation = target?.split('.').at(-1) ?? '';
  const request: Json = isObject(body) ? body : {};
  const tables = new Set<string>();
  let strong = request.ConsistentRead === true;
  let writes = WRITE_OPERATIONS.has(operation);

  if (typeof request.TableName === 'string') tables.add(request.TableName);
  if (isObject(request.RequestItems)) {
    for (const [table, entry] of Object.entries(request.RequestItems)) {
      tables.add(table);
      if (isObject(entry) && entry.ConsistentRead === true) strong = true;
    }
  }
  if (Array.isArray(request.TransactItems)) {
    for (const item of request.TransactItems) {
      if (!isObject(item)) continue;
      for (const action of Object.values(item)) {
        if (isObject(action) && typeof action.TableName === 'string') tables.add(action.TableName);
      }
    }
  }
  for (const statement of statements(request)) {
    for (const match of statement.matchAll(PARTIQL_TABLE)) if (match[1] !== undefined) tables.add(match[1]);
    if (!/^\s*SELECT\b/i.test(statement)) writes = true;
  }
  return {
    operation,
    tables: [...tables],
    writes,
    stronglyConsistentRead: strong,
    transaction: TRANSACTIONS.has(operation),
  };
}

function statements(request: Json): string[] {
  const out: string[] = [];
  if (typeof request.Statement === 'string') out.push(request.Statement);
  for (const list of [request.Statements, request.TransactStatements]) {
    if (!Array.isArray(list)) continue;
    for (const s of list) if (isObject(s) && typeof s.Statement === 'string') out.push(s.Statement);
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
