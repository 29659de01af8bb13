import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { convertSeriesFiles } from '../../src/io/convert/series.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { buildMarketTimeline } from '../../src/replay/market-timeline.js';
import { replayPortfolioExact } from '../../src/replay/replay-portfolio.js';
import { ExactPriceBook } from '../../src/replay/step-market.js';
import { buildRulesTimeline } from '../../src/rules/build.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { findUmContract } from '../../src/rules/resolve.js';
import { calculateUmMaintMargin } from '../../src/engine/exact/tables.js';
import { portfolioOf } from '../helpers/portfolio.js';
import { seriesOf, type SeriesRow } from '../helpers/series.js';

// Real Binance XRPUSDT data written by pyarrow (LZ4 Feather): 8h mark candles and realized funding
// around the 4 Dec 2021 crash, converted with `pmbt convert`'s code, then replayed.
const REAL = 'test/fixtures/real/';
const HOUR = 3_600_000;

describe('a replay through real XRPUSDT history', async () => {
  const { table } = await convertSeriesFiles([
    { path: `${REAL}XRP_USDT_USDT-8h-mark.feather`, symbol: 'XRPUSDT', kind: 'mark' },
    { path: `${REAL}XRP_USDT_USDT-8h-funding_rate.feather`, symbol: 'XRPUSDT', kind: 'funding' },
  ]);
  // USDT's index is 1 throughout (the files have no index series): one row at every mark time.
  const rows: SeriesRow[] = [];
  for (let i = 0; i < table.times.length; i++) {
    const kind = (['index', 'mark', 'funding'] as const)[table.kinds[i]!]!;
    rows.push([table.times[i]!, table.symbols[table.symbolIds[i]!]!, kind, table.values[i]!]);
    if (kind === 'mark') rows.push([table.times[i]!, 'USDT', 'index', 1]);
  }
  const rules = buildRulesTimeline(await readDefaultRuleDocuments());
  const tl = buildMarketTimeline(seriesOf(rows), { stalenessMs: 8 * HOUR });
  const doc = { balances: [{ asset: 'USDT', umWalletBalance: '2500' }], umPositions: [{ symbol: 'XRPUSDT', positionAmt: '10000', entryPrice: '1.1' }] };
  const r = replayPortfolioExact(portfolioOf(doc, rules.base), new ExactPriceBook(tl), rules, { liquidation: { policy: 'full', slippage: new Dec('0.001'), target: new Dec('1.25') }, resolutionMs: 8 * HOUR });
  const ofType = <T extends ReplayEvent['type']>(type: T) => r.events.filter((e): e is Extract<ReplayEvent, { type: T }> => e.type === type);

  it('applies realized funding at its real, millisecond-jittered times', () => {
    const funding = ofType('funding');
    expect(funding.length).toBeGreaterThan(40);
    expect(funding.some((e) => e.time % 1000 !== 0)).toBe(true);
    // each payment is −amt·mark·rate with the mark in force at that time
    for (const e of funding) expect(e.amount.eq(new Dec(10_000).times(e.markPrice).times(e.rate).neg())).toBe(true);
  });

  it('liquidates at the first 8h close where uniMMR ≤ 1.05, derived here from the data', () => {
    // Walk the converted closes with the same rules: equity = 2,500 + funding so far + 10,000·(P − 1.1),
    // MM from XRPUSDT's real brackets.
    const brackets = findUmContract(rules.base, 'XRPUSDT').brackets;
    let wallet = new Dec(2500);
    let expected: number | undefined;
    for (let i = 0; i < table.times.length && expected === undefined; i++) {
      const value = new Dec(table.values[i]!);
      if (table.kinds[i] === 2) {
        const mark = new Dec(rows.filter((x) => x[1] === 'XRPUSDT' && x[2] === 'mark' && x[0] <= table.times[i]!).at(-1)?.[3] ?? 1.1);
        wallet = wallet.minus(new Dec(10_000).times(mark).times(value));
        continue;
      }
      const equity = wallet.plus(new Dec(10_000).times(value.minus('1.1')));
      const mm = calculateUmMaintMargin(brackets, value.times(10_000)).maintMargin;
      if (equity.div(mm).lte('1.05')) expected = table.times[i];
    }
    const [liq] = ofType('liquidation');
    expect(expected).toBeDefined();
    expect(liq!.time).toBe(expected);
    expect(new Date(liq!.time).toISOString().slice(0, 10)).toBe('2021-12-04');
  });
});
