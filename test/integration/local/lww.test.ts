import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint, type Item } from '../../../local/dynamo/canonical.js';
import { compareVersions, ReplicationLedger } from '../../../local/dynamo/lww.js';

// Plain-data tests of the replicator's last-writer-wins bookkeeping (no DynamoDB needed).
const A = 'us-east-1';
const B = 'us-west-2';
const TABLE = 'ctx';
const key: Item = { pk: { S: 'k' } };
const img = (v: string): Item => ({ pk: { S: 'k' }, v: { S: v } });

describe('compareVersions', () => {
  it.each([
    [{ ts: 1, region: B }, { ts: 2, region: A }, -1],
    [{ ts: 2, region: A }, { ts: 1, region: B }, 1],
    [{ ts: 5, region: A }, { ts: 5, region: B }, -1],
    [{ ts: 5, region: B }, { ts: 5, region: A }, 1],
    [{ ts: 5, region: A }, { ts: 5, region: A }, 0],
  ])('orders %o against %o as %i (time first, region name breaks ties)', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('ReplicationLedger', () => {
  it('ships a local write and applies it to a replica that holds nothing newer', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    // Act
    const seen = ledger.observe(A, TABLE, key, img('a'), 100);
    // Assess
    expect(seen.kind).toBe('local');
    if (seen.kind !== 'local') return;
    expect(seen.change.version).toEqual({ ts: 100, region: A });
    expect(ledger.shouldApply(B, seen.change)).toBe(true);
  });

  it('drops a replicated write when the target already holds a newer one', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    const older = ledger.observe(A, TABLE, key, img('a'), 100);
    ledger.observe(B, TABLE, key, img('b'), 110);
    // Act
    const apply = older.kind === 'local' && ledger.shouldApply(B, older.change);
    // Assess
    expect(apply).toBe(false);
  });

  it('recognises its own applied write on the target stream as an echo and does not ship it back', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    const seen = ledger.observe(A, TABLE, key, img('a'), 100);
    if (seen.kind !== 'local') throw new Error('expected a local write');
    ledger.applied(ledger.applying(B, seen.change), true);
    // Act
    const echo = ledger.observe(B, TABLE, key, img('a'), 120);
    // Assess
    expect(echo).toEqual({ kind: 'echo' });
    expect(ledger.pendingEchoes()).toBe(0);
  });

  it('recognises the echo even when the stream shows it before the write call returned', () => {
    // Prepare: the apply is in flight; under load the target's stream poll can win the race.
    const ledger = new ReplicationLedger();
    const seen = ledger.observe(A, TABLE, key, img('a'), 100);
    if (seen.kind !== 'local') throw new Error('expected a local write');
    const ticket = ledger.applying(B, seen.change);
    // Act
    const echo = ledger.observe(B, TABLE, key, img('a'), 105);
    ledger.applied(ticket, true);
    // Assess: not shipped back as a local write of B, and nothing left waiting
    expect(echo).toEqual({ kind: 'echo' });
    expect(ledger.pendingEchoes()).toBe(0);
  });

  it('expects no echo from an apply that failed', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    const seen = ledger.observe(A, TABLE, key, img('a'), 100);
    if (seen.kind !== 'local') throw new Error('expected a local write');
    // Act
    ledger.abandoned(ledger.applying(B, seen.change));
    // Assess
    expect(ledger.pendingEchoes()).toBe(0);
    expect(ledger.observe(B, TABLE, key, img('a'), 130).kind).toBe('local');
  });

  it('expects no echo when the apply changed nothing (DynamoDB writes no stream record then)', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    const seen = ledger.observe(A, TABLE, key, img('a'), 100);
    if (seen.kind !== 'local') throw new Error('expected a local write');
    // Act
    ledger.applied(ledger.applying(B, seen.change), false);
    const next = ledger.observe(B, TABLE, key, img('a'), 130);
    // Assess
    expect(ledger.pendingEchoes()).toBe(0);
    expect(next.kind).toBe('local');
  });

  it('asks to write back a local write that an older replicated write overwrote before it was read', () => {
    // Prepare: A's write is applied to B, but B had just written on its own (not yet read).
    const ledger = new ReplicationLedger();
    const fromA = ledger.observe(A, TABLE, key, img('a'), 100);
    if (fromA.kind !== 'local') throw new Error('expected a local write');
    ledger.applied(ledger.applying(B, fromA.change), true);
    // Act: B's stream shows its own write first, then the echo of A's.
    const own = ledger.observe(B, TABLE, key, img('b'), 140);
    const echo = ledger.observe(B, TABLE, key, img('a'), 141);
    // Assess
    expect(own.kind).toBe('local');
    expect(echo.kind).toBe('echo');
    expect(echo.kind === 'echo' ? echo.restore?.image : undefined).toEqual(img('b'));
  });

  it('treats a delete as a change with no image', () => {
    // Prepare
    const ledger = new ReplicationLedger();
    // Act
    const seen = ledger.observe(B, TABLE, key, null, 100);
    // Assess
    expect(seen.kind === 'local' ? seen.change.image : 'not local').toBeNull();
  });
});

describe('fingerprint', () => {
  const attribute = fc.oneof(
    fc.string().map((S) => ({ S })),
    fc.integer().map((n) => ({ N: String(n) })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
  );
  const item = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), attribute, { maxKeys: 6 });

  it('ignores attribute order and set member order', () => {
    fc.assert(
      fc.property(item, (it) => {
        const reversed = Object.fromEntries(
          Object.entries(it)
            .reverse()
            .map(([k, v]) => [k, 'SS' in v ? { SS: [...v.SS].reverse() } : v]),
        );
        expect(fingerprint(reversed)).toBe(fingerprint(it));
      }),
    );
  });

  it('tells apart items that differ in one value', () => {
    fc.assert(
      fc.property(item, fc.string(), fc.string(), (it, a, b) => {
        fc.pre(a !== b);
        expect(fingerprint({ ...it, x: { S: a } })).not.toBe(fingerprint({ ...it, x: { S: b } }));
      }),
    );
  });

  it('gives "no item" its own fingerprint', () => {
    expect(fingerprint(null)).not.toBe(fingerprint({}));
  });
});
