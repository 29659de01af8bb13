import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runJobLocally } from '../../src/batch/local-runner.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { runConvert } from '../../src/cli/convert.js';
import { InputError } from '../../src/domain/errors.js';
import { writePortfoliosArrow } from '../../src/io/arrow/portfolios.js';
import { writeSeriesArrow } from '../../src/io/arrow/series.js';
import { JOB_T0, writeSmallJob } from '../helpers/job-files.js';
import { seriesOf } from '../helpers/series.js';
import { LOCAL_STORES } from '../helpers/stores.js';
import { readLocalPortfolioLines } from '../helpers/job-outputs.js';

// Issue 15: one numbering in messages (rows, records and portfolios counted from 1, like lines),
// and a portfolio that fails names the portfolio first, whatever the cause (docs/formats.md#errors).

const files = writeSmallJob(undefined, { portfolios: 1 });
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));
const portfolios = files.job.portfolios as string;
const prices = files.job.prices as string;

type SummaryLine = { portfolioId: string | null; index: number; ok: boolean; error?: string };
function failures(jobId: string): SummaryLine[] {
  return readLocalPortfolioLines<SummaryLine>(join(files.dir, 'out', jobId)).filter((p) => !p.ok);
}

describe('a portfolio that fails on the price history or the rules is named by file, position and id', () => {
  // The small job's file holds p0, bad-field, a line that is not JSON, then these (portfolios 4 to 8).
  const docs = [
    { id: 'no-mark', balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '3000' }] },
    { id: 'no-index', balances: [{ asset: 'ETH', crossMarginFree: '1' }] },
    { id: 'no-brackets', balances: [{ asset: 'USDT', umWalletBalance: '1000' }], umPositions: [{ symbol: 'ZZZUSDT', positionAmt: '1', entryPrice: '3000' }] },
    { id: 'no-cm-contract', balances: [{ asset: 'BTC', cmWalletBalance: '1' }], cmPositions: [{ symbol: 'ZZZUSD_PERP', positionAmt: '1', entryPrice: '3000' }] },
    { id: 'no-loan-mmr', marginLeverage: 7, balances: [{ asset: 'USDT', crossMarginFree: '100', crossMarginBorrowed: '10' }] },
  ];
  let failed: SummaryLine[];
  beforeAll(async () => {
    appendFileSync(portfolios, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    await runJobLocally(parseJobSpec({ ...files.job, jobId: 'causes' }), { workers: 1, ...LOCAL_STORES });
    failed = failures('causes');
  });

  // Each used to start with "prices:" or "rules:", naming no portfolio.
  test.each([
    ['no-mark', 4, `${prices}: mark:ETHUSDT: expected a mark price series for ETHUSDT (portfolio no-mark needs it), got none in the file`],
    ['no-index', 5, `${prices}: index:ETH: expected an index price series for ETH (portfolio no-index needs it), got none in the file`],
    ['no-brackets', 6, 'rules: umBrackets.ZZZUSDT: expected a bracket table for UM symbol ZZZUSDT (add it to umBrackets, or map it in umContracts), got none'],
    ['no-cm-contract', 7, 'rules: cmContracts.ZZZUSD_PERP: expected a contract (size, margin asset, brackets) for COIN-M symbol ZZZUSD_PERP, got none'],
    ['no-loan-mmr', 8, 'rules: loanMaintMarginRatio.7: expected a loan MMR for margin leverage 7x (known: 3, 5, 10), got none'],
  ])('%s (portfolio %i)', (id, position, cause) => {
    const line = failed.find((p) => p.portfolioId === id);
    expect(line?.index).toBe(position - 1);
    expect(line?.error).toBe(`${portfolios}: portfolio ${position} (id "${id}"): ${cause}`);
  });

  test('a document error and an unreadable line name the portfolio the same way', () => {
    expect(failed.find((p) => p.portfolioId === 'bad-field')?.error).toBe(`${portfolios}: portfolio 2 (id "bad-field"): balances[0].crossMarginFree: expected a number ≥ 0, got "-5"`);
    expect(failed.find((p) => p.index === 2)?.error).toMatch(/: portfolio 3 \(line 3\): expected one JSON document per line, got /);
  });
});

describe('the 2nd portfolio of a file is "portfolio 2" in its failure', () => {
  const good = { id: 'good', balances: [{ asset: 'USDT', umWalletBalance: '1000' }] };
  const bad = { id: 'bad', balances: [{ asset: 'USDT', crossMarginFree: '-5' }] };

  test.each([
    ['an Arrow file', 'desk.arrow', () => writePortfoliosArrow([good, bad])],
    ['a JSON array', 'desk.json', () => JSON.stringify([good, bad])],
    ['JSON Lines', 'desk.jsonl', () => `${JSON.stringify(good)}\n\n${JSON.stringify(bad)}\n`],
  ])('%s', async (_name, file, bytes) => {
    const path = join(files.dir, file);
    writeFileSync(path, bytes());
    const jobId = file.replace('.', '-');
    await runJobLocally(parseJobSpec({ ...files.job, jobId, portfolios: path }), { workers: 1, ...LOCAL_STORES });
    // summary.json keeps the 0-based index as data; the message counts from 1 (it used to say [1]).
    expect(failures(jobId).map((p) => [p.index, p.error])).toEqual([[1, `${path}: portfolio 2 (id "bad"): balances[0].crossMarginFree: expected a number ≥ 0, got "-5"`]]);
  });
});

describe('the 3rd row of a price file is "row 3"', () => {
  const bytes = writeSeriesArrow(seriesOf([
    [JOB_T0, 'BTC', 'index', 40000],
    [JOB_T0 + 60_000, 'BTC', 'index', 40001],
    [JOB_T0 + 120_000, 'BTC', 'index', -1],
  ]));
  const path = join(files.dir, 'bad-prices.arrow');
  beforeAll(() => writeFileSync(path, bytes));

  test('by the job reader', async () => {
    const e = await runJobLocally(parseJobSpec({ ...files.job, jobId: 'bad-prices', prices: path }), { workers: 1, ...LOCAL_STORES }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(`${path}: value, row 3: expected a price > 0 for kind index, got -1`);
  });

  test('by pmbt convert series', async () => {
    await expect(runConvert(['series', '--input', path, '--out', join(files.dir, 'converted.arrow')])).rejects.toThrow(`${path}: value, row 3: expected a price > 0 for kind index, got -1`);
  });
});
