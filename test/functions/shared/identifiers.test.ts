import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventIdSchema, stableEventId } from '../../../functions/shared/identifiers.js';

describe('stableEventId', () => {
  it('returns the same id for the same parts', () => {
    expect(stableEventId('vote', 'us-east-2', 7)).toBe(stableEventId('vote', 'us-east-2', 7));
  });

  it('returns an RFC 9562 version 8 UUID', () => {
    // Act
    const id = stableEventId('vote', 'us-east-2', 7);

    // Assess
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdSchema.safeParse(id).success).toBe(true);
  });

  it('gives different ids to parts that concatenate to the same text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        // With b empty both calls get the same parts; otherwise the parts differ.
        fc.pre(b !== '');
        expect(stableEventId(a, `${b}${c}`)).not.toBe(stableEventId(`${a}${b}`, c));
      }),
    );
  });

  it('fails without parts', () => {
    expect(() => stableEventId()).toThrow(RangeError);
  });
});
