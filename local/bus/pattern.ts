/**
 * EventBridge event-pattern matching, for the patterns this project's rules use: value lists,
 * nested objects, `prefix`, `anything-but` and `exists`. A field the pattern names must match;
 * fields it does not name are ignored; an array in the event matches when any element does.
 *
 * @example
 * matchesPattern({ source: ['cc.continuity'], detail: { originRegion: ['us-east-1'] } }, event) // true or false
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new TypeError('an event pattern is a JSON object');
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const field = isObject(value) ? value[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchList(rule, field)) return false;
    } else if (isObject(rule)) {
      if (!matchObject(rule, field)) return false;
    } else {
      throw new TypeError(`pattern field ${key} must be a list or an object`);
    }
  }
  return true;
}

function matchList(rules: readonly unknown[], field: unknown): boolean {
  const values = Array.isArray(field) ? field : [field];
  return rules.some((rule) => {
    if (isObject(rule)) return matchOperator(rule, field, values);
    return field !== undefined && values.some((v) => v === rule);
  });
}

function matchOperator(rule: Record<string, unknown>, field: unknown, values: readonly unknown[]): boolean {
  if ('exists' in rule) return (field !== undefined) === rule.exists;
  if (field === undefined) return false;
  if (typeof rule.prefix === 'string') {
    const prefix = rule.prefix;
    return values.some((v) => typeof v === 'string' && v.startsWith(prefix));
  }
  if ('anything-but' in rule) {
    const excluded = rule['anything-but'];
    const list = Array.isArray(excluded) ? excluded : [excluded];
    return values.every((v) => !list.includes(v));
  }
  throw new TypeError(`unsupported pattern operator ${Object.keys(rule).join(', ')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
