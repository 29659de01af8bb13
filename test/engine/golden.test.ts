import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/decimal.js';
import { formatBinanceDecimal } from '../../src/report/binance-format.js';

// The golden checks of docs/margin-rules.md now live beside the module they exercise:
// test/engine/exact/tables.test.ts (§2 tiered collateral, the BTCUSDT brackets), exact/pnl.test.ts
// (§5 PnL samples), exact/status.test.ts (§3–§4 status ladder), exact/open-loss.test.ts (§2 open
// loss), exact/snapshot.test.ts (§10 PM Pro worked example, position limit). What stays here is
// the §6 number format the engine's outputs are printed with.

const d = (x: string | number) => new Dec(x);

describe('docs/margin-rules.md §6 number format', () => {
  it('cuts to 8 decimals toward zero', () => {
    expect(formatBinanceDecimal(d('21.12305052574'))).toBe('21.12305052');
    expect(formatBinanceDecimal(d('-21.12305052574'))).toBe('-21.12305052');
    expect(formatBinanceDecimal(d('-0.000000001'))).toBe('0.00000000');
    expect(formatBinanceDecimal(d('5'))).toBe('5.00000000');
  });
  it('accountEquity 122607.35137903 / accountMaintMargin 23.72469206 → uniMMR 5167.92171923', () => {
    expect(formatBinanceDecimal(d('122607.35137903').div('23.72469206'))).toBe('5167.92171923');
  });
});
