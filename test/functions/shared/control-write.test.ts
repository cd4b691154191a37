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

  it('keeps retrying through throttling longer than the race attempts, within the throttle budget', async () => {
    // Prepare: 12 throttled attempts (more than `attempts`), each wait advancing a fake clock
    let clock = 0;
    let calls = 0;
    const waits: number[] = [];
    const opts = {
      attempts: 3,
      baseDelayMs: 100,
      throttleBudgetMs: 10_000,
      maxThrottleDelayMs: 800,
      random: () => 1,
      now: () => clock,
      sleep: async (ms: number) => {
        waits.push(ms);
        clock += ms;
      },
    };

    // Act
    const result = await compareAndSet(async () => {
      calls++;
      if (calls <= 12) throw named('ProvisionedThroughputExceededException');
      return 'written';
    }, opts);

    // Assess: exponential up to the cap, and the write lands once throttling stops
    expect(result).toBe('written');
    expect(calls).toBe(13);
    expect(waits.slice(0, 5)).toEqual([100, 200, 400, 800, 800]);
    expect(Math.max(...waits)).toBe(800);
  });

  it('gives up with a throttled CompareAndSetExhausted once throttling outlasts the budget', async () => {
    let clock = 0;
    let calls = 0;
    const failure = compareAndSet(
      async () => {
        calls++;
        throw named('ThrottlingException');
      },
      {
        throttleBudgetMs: 2000,
        maxThrottleDelayMs: 500,
        random: () => 1,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      },
    );
    await expect(failure).rejects.toMatchObject({ name: 'CompareAndSetExhausted', throttled: true });
    // 20, 40, 80, 160, 320, 500, 500, 500 ms of waits reach 2,120 ms: the ninth attempt is the last
    expect(calls).toBe(9);
  });

  it('counts only lost races against the attempts when throttling and races interleave', async () => {
    const errors = ['ThrottlingException', 'ConditionalCheckFailedException', 'ThrottlingException'];
    let calls = 0;
    const result = await compareAndSet(
      async () => {
        calls++;
        const e = errors.shift();
        if (e) throw named(e);
        return calls;
      },
      { ...noWait, attempts: 2 },
    );
    expect(result).toBe(4);
  });
});
