import { describe, expect, it } from 'vitest';
import { estimateCost, knobSavings } from '../../../lib/cost/model.js';
import { checkPrices, loadPrices, PRICE_KEYS, type PriceKey, withPrice } from '../../../lib/cost/prices.js';
import { fixtureConfig, fixturePrices, fixtureProfile } from './fixture.js';

const options = { profile: fixtureProfile, callsPerDay: 1000 };
const base = estimateCost(fixtureConfig, { ...options, prices: fixturePrices() });
const usedKeys = [...new Set(base.lines.map((l) => l.priceKey))];

describe('the price file', () => {
  it('names its date and a source URL for every price', () => {
    const file = loadPrices();
    expect(file.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const key of PRICE_KEYS) expect(file.sources[file.prices[key].source]).toMatch(/^https:\/\//);
  });

  it('rejects a file that lacks a price the model uses', () => {
    const file = loadPrices();
    const { 'dynamodb.rru': _gone, ...rest } = file.prices;
    expect(() => checkPrices({ ...file, prices: rest as typeof file.prices })).toThrow(
      /dynamodb\.rru: missing/,
    );
  });
});

describe('estimateCost against price changes', () => {
  it.each(usedKeys)('doubling %s doubles exactly the lines priced by it', (key: PriceKey) => {
    // Prepare
    const prices = fixturePrices();
    const doubled = withPrice(prices, key, prices.prices[key].usd * 2);
    // Act
    const bill = estimateCost(fixtureConfig, { ...options, prices: doubled });
    // Assess
    bill.lines.forEach((line, i) => {
      const before = base.lines[i]?.monthlyUsd ?? Number.NaN;
      expect(line.monthlyUsd).toBeCloseTo(line.priceKey === key ? 2 * before : before, 9);
      expect(line.quantity).toBe(base.lines[i]?.quantity);
    });
    const used = base.lines.filter((l) => l.priceKey === key).reduce((s, l) => s + l.monthlyUsd, 0);
    expect(bill.totalUsd).toBeCloseTo(base.totalUsd + used, 9);
  });

  it('changes nothing when a price no line uses changes (x86 while every function is arm64)', () => {
    const prices = fixturePrices();
    const bill = estimateCost(fixtureConfig, {
      ...options,
      prices: withPrice(prices, 'lambda.gbSecond.x86_64', 1),
    });
    expect(bill.totalUsd).toBe(base.totalUsd);
  });

  it('saves half the monitor duration when its memory is halved', () => {
    const savings = knobSavings(fixtureConfig, { ...options, prices: fixturePrices() });
    const halved = savings.find((s) => s.knob.startsWith('monitor memory 256 -> 128'));
    const duration = base.lines.find((l) => l.item === 'health monitor: duration')?.monthlyUsd ?? 0;
    expect(halved?.savingUsd).toBeCloseTo(duration / 2, 9);
  });
});
