import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item as DynamoDB's wire format holds it; `null` stands for "no item" (deleted). */
export type Item = Record<string, AttributeValue>;

/**
 * A stable string for an item or key, so two images compare equal exactly when they hold
 * the same item: map keys sorted, set members sorted (sets are unordered), list order
 * kept, binary as base64. Numbers are compared as written: every image compared here was
 * read back from DynamoDB, which already returns numbers in one canonical form.
 */
export function fingerprint(item: Item | null | undefined): string {
  if (item === null || item === undefined) return '∅';
  return canonicalMap(item);
}

function canonicalMap(map: Record<string, AttributeValue>): string {
  const keys = Object.keys(map).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalValue(map[k] as AttributeValue)}`).join(',')}}`;
}

function canonicalValue(value: AttributeValue): string {
  if (value.S !== undefined) return `S${JSON.stringify(value.S)}`;
  if (value.N !== undefined) return `N${JSON.stringify(value.N)}`;
  if (value.BOOL !== undefined) return `BOOL${value.BOOL}`;
  if (value.NULL !== undefined) return 'NULL';
  if (value.B !== undefined) return `B${base64(value.B)}`;
  if (value.SS !== undefined) return `SS${JSON.stringify([...value.SS].sort())}`;
  if (value.NS !== undefined) return `NS${JSON.stringify([...value.NS].sort())}`;
  if (value.BS !== undefined) return `BS${JSON.stringify(value.BS.map(base64).sort())}`;
  if (value.L !== undefined) return `L[${value.L.map(canonicalValue).join(',')}]`;
  if (value.M !== undefined) return `M${canonicalMap(value.M)}`;
  return JSON.stringify(value);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
