import type { PriceFile, PriceKey } from './prices.js';
import type { BillLine, CostArea } from './types.js';

export interface LineSpec {
  readonly area: CostArea;
  readonly item: string;
  readonly regions: readonly string[];
  readonly quantity: number;
  readonly priceKey: PriceKey;
  readonly derivation: string;
}

/** A bill line priced from the price file: quantity / per * usd. */
export function priced(prices: PriceFile, spec: LineSpec): BillLine {
  const p = prices.prices[spec.priceKey];
  return {
    ...spec,
    unit: p.unit,
    unitPrice: p.usd,
    per: p.per,
    monthlyUsd: (spec.quantity / p.per) * p.usd,
  };
}

/** Write request units of one item write: one per started KB. */
export const wru = (kb: number): number => Math.max(1, Math.ceil(kb));
/** Read request units of one strongly consistent read: one per started 4 KB. */
export const rru = (kb: number): number => Math.max(1, Math.ceil(kb / 4));
