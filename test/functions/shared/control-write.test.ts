import { describe, expect, it } from 'vitest';
import {
  CompareAndSetExhausted,
  compareAndSet,
  isConditionFailed,
  isThrottled,
  isWriteConflict,
} from '../../../functions/shared/control-write.js';

function named(name: string): Error {
  const e = new Error(name);
  e.name = name;
  return e;
}

const noWait = { sleep: async () => {}, random: () => 0.5 };

describe('control-write error classes', () => {
  it.each([
    ['ConditionalCheckFailedException', true, false, false],
    ['ReplicatedWriteConflictException', false, true, false],
    ['TransactionConflictException', false, true, false],
    ['ProvisionedThroughputExceededException', false, false, true],
    ['ThrottlingException', false, false, true],
    ['InternalServerError', false, false, false],
    ['TimeoutError', false, false, false],
  ])('classifies %s', (name, condition, conflict, throttled) => {
    const e = named(name);
    expect([isConditionFailed(e), isWriteConflict(e), isThrottled(e)]).toEqual([
      condition,
      conflict,
      throttled,
    ]);
  });

  it('rejects values that are not errors without throwing', () => {
    for (const v of [undefined, null, 'ConditionalCheckFailedException', 42, { name: 7 }]) {
      expect(isConditionFailed(v) || isWriteConflict(v) || isThrottled(v)).toBe(false);
    }
  });
});

describe('compareAndSet', () => {
  it('re-runs the attempt after a lost race and returns what the winning attempt decided', async () => {
    // Prepare
    const failures = [named('ReplicatedWriteConflictException'), named('ConditionalCheckFailedException')];
    let calls = 0;

    // Act
    const result = await compareAndSet(async () => {
      calls++;
      const f = failures.shift();
      if (f) throw f;
      return `decided on read ${calls}`;
    }, noWait);

    // Assess
    expect(result).toBe('decided on read 3');
    expect(calls).toBe(3);
  });

  it('fails with CompareAndSetExhausted after the configured attempts', async () => {
    let calls = 0;
    await expect(
      compareAndSet(
        async () => {
          calls++;
          throw named('ConditionalCheckFailedException');
        },
        { ...noWait, attempts: 4 },
      ),
    ).rejects.toBeInstanceOf(CompareAndSetExhausted);
    expect(calls).toBe(4);
  });

  it('fails at once on an error that is not a race (quorum loss is the caller fencing signal)', async () => {
    let calls = 0;
    await expect(
      compareAndSet(async () => {
        calls++;
        throw named('InternalServerError');
      }, noWait),
    ).rejects.toThrow('InternalServerError');
    expect(calls).toBe(1);
  });

  it('backs off exponentially with jitter between attempts', async () => {
    const waits: number[] = [];
    await expect(
      compareAndSet(
        async () => {
          throw named('ReplicatedWriteConflictException');
        },
        { attempts: 4, baseDelayMs: 100, sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
      ),
    ).rejects.toBeInstanceOf(CompareAndSetExhausted);
    expect(waits).toEqual([50, 100, 200]);
  });
});
