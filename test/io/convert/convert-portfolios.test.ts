import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { runConvert } from '../../../src/cli/convert.js';
import { UsageError } from '../../../src/cli/usage.js';
import { writePortfoliosArrow } from '../../../src/io/arrow/portfolios.js';
import { readPortfolioFile } from '../../../src/io/convert/portfolios.js';

const dir = mkdtempSync(join(tmpdir(), 'pmbt-convert-portfolios-'));
const path = (name: string) => join(dir, name);

const DOCS = [
  { version: 1, id: 'a', mode: 'PM', balances: [{ asset: 'USDT', crossMarginFree: '1000', umWalletBalance: '5000' }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '-0.05', entryPrice: '52000' }] },
  { version: 1, id: 'b', actions: [{ time: 1_650_000_000_000, type: 'borrow', asset: 'USDT', amount: '50' }] },
  { version: 1, id: 'c', cmPositions: [{ symbol: 'BTCUSD_PERP', positionAmt: '100', entryPrice: '50000', positionSide: 'BOTH' }] },
];

async function docsOf(file: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of readPortfolioFile(file)) out.push(item.error ? item.error.message : item.doc);
  return out;
}

describe('pmbt convert portfolios', () => {
  test('JSON Lines → Arrow → JSON Lines and JSON keep every document', async () => {
    const jsonl = path('desk.jsonl');
    writeFileSync(jsonl, DOCS.map((d) => JSON.stringify(d)).join('\n'));
    expect(await runConvert(['portfolios', '--input', jsonl, '--out', path('desk.arrow')])).toBe(`wrote ${path('desk.arrow')}: 3 portfolios (arrow)\n`);
    expect(tableFromIPC(readFileSync(path('desk.arrow'))).numRows).toBe(3);
    expect(await runConvert(['portfolios', '--input', path('desk.arrow'), '--out', path('back.jsonl')])).toBe(`wrote ${path('back.jsonl')}: 3 portfolios (jsonl)\n`);
    expect(readFileSync(path('back.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(DOCS);
    await runConvert(['portfolios', '--input', path('desk.arrow'), '--out', path('back.json')]);
    expect(JSON.parse(readFileSync(path('back.json'), 'utf8'))).toEqual(DOCS);
  });

  test('reads Arrow files other writers produced (no inline schema) from disk by their footer', async () => {
    const upstream = path('upstream.arrow');
    writeFileSync(upstream, tableToIPC(tableFromIPC(writePortfoliosArrow(DOCS, { batchSize: 2 })), 'file'));
    expect(await docsOf(upstream)).toEqual(DOCS);
  });

  test('the first malformed portfolio stops the conversion and no output is left', async () => {
    const jsonl = path('bad.jsonl');
    writeFileSync(jsonl, `${JSON.stringify(DOCS[0])}\n{"id": "b",\n`);
    await expect(runConvert(['portfolios', '--input', jsonl, '--out', path('bad.arrow')])).rejects.toThrow(/^.*bad\.jsonl: portfolio 2 \(line 2\): expected one JSON document per line, got /);
    expect(existsSync(path('bad.arrow'))).toBe(false);
    const extra = path('extra.jsonl');
    writeFileSync(extra, JSON.stringify({ id: 'x', balances: [{ asset: 'USDT', totalWalletBalance: '1' }] }));
    await expect(runConvert(['portfolios', '--input', extra, '--out', path('extra.arrow')])).rejects.toThrow(`${extra}: portfolio 1 (id "x"): balances[0].totalWalletBalance: expected one of the fields asset,`);
  });

  test('usage errors', async () => {
    await expect(runConvert(['portfolios', '--input', 'a.jsonl', '--out', 'p.txt'])).rejects.toThrow(new UsageError('--out must end in .arrow, .feather, .jsonl, .ndjson or .json, got p.txt'));
    await expect(runConvert(['portfolios', '--out', 'p.arrow'])).rejects.toThrow('--input is required');
    await expect(runConvert(['portfolios', '--input', path('none.jsonl'), '--out', path('none.arrow')])).rejects.toThrow(`${path('none.jsonl')}: (document): expected a readable file, got no such file`);
  });
});
