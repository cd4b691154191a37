import type { Bill, KnobSaving } from './model.js';
import { biggestDrivers } from './model.js';
import type { PriceFile } from './prices.js';

const usd = (n: number): string => `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;

/** The text `cc-continuity cost` prints: total, five biggest drivers, knob savings, every line, sources. */
export function formatBill(bill: Bill, savings: readonly KnobSaving[], prices: PriceFile): string {
  const out: string[] = [];
  out.push(
    `cc-continuity ${bill.env}: estimated ${usd(bill.totalUsd)} a month at ${bill.callsPerDay} calls a day`,
    `(list prices of ${prices.date}, no free tier; ${prices.regions})`,
    '',
    'Five biggest drivers:',
  );
  for (const l of biggestDrivers(bill)) {
    out.push(
      `  ${usd(l.monthlyUsd).padStart(9)}  ${l.item} [${l.regions.join(', ')}]`,
      `             ${l.derivation}`,
    );
  }
  out.push('', 'What each knob would save (one at a time):');
  for (const s of savings) {
    out.push(`  ${usd(s.savingUsd).padStart(9)}  ${s.knob} (total ${usd(s.totalUsd)})`);
  }
  out.push('', 'Every line:');
  for (const l of bill.lines) {
    out.push(
      `  ${usd(l.monthlyUsd).padStart(9)}  ${l.area.padEnd(13)} ${l.item}: ${formatQuantity(l.quantity)} x $${l.unitPrice} per ${l.per === 1 ? '' : `${l.per.toLocaleString('en-US')} `}${l.unit}`,
    );
  }
  const unverified = Object.entries(prices.prices)
    .filter(([, p]) => !p.verified)
    .map(([k]) => k);
  out.push(
    '',
    `Prices: lib/cost/prices.json (${prices.date}); unverified: ${unverified.join(', ') || 'none'}`,
  );
  return `${out.join('\n')}\n`;
}

function formatQuantity(q: number): string {
  return q >= 100 ? Math.round(q).toLocaleString('en-US') : Number(q.toPrecision(4)).toString();
}
