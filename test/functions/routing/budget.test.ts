import { describe, expect, it } from 'vitest';
import { ControlUnavailable, withinBudget } from '../../../functions/routing/budget.js';

function named(name: string): Error {
  const e = new Error(name);
  e.name = name;
  return e;
}

describe('withinBudget', () => {
  it('returns what the call returns within the budget', async () => {
    await expect(withinBudget(1000, 'read', async () => 'ok')).resolves.toBe('ok');
  });

  it.each(['ConditionalCheckFailedException', 'ReplicatedWriteConflictException', 'ThrottlingException'])(
    'passes a lost race (%s) through for compareAndSet to retry',
    async (name) => {
      await expect(withinBudget(1000, 'write', () => Promise.reject(named(name)))).rejects.toMatchObject({
        name,
      });
    },
  );

  it('fails with ControlUnavailable, keeping the cause, when the call fails otherwise', async () => {
    const cause = named('InternalServerError');
    const error = await withinBudget(1000, 'read decision', () => Promise.reject(cause)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ControlUnavailable);
    expect(error).toMatchObject({ operation: 'read decision', overBudget: false, cause });
  });

  it('fails with ControlUnavailable over budget and aborts the call', async () => {
    let signal: AbortSignal | undefined;
    const error = await withinBudget(20, 'read decision', (s) => {
      signal = s;
      return new Promise<never>(() => undefined);
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ControlUnavailable', overBudget: true });
    expect(signal?.aborted).toBe(true);
  });
});
