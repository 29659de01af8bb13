// POST /risk (docs/serverless.md "HTTP API"): `pmbt risk` for one account now, run by calling the
// handler directly with API Gateway (payload 2.0) events, as test/batch/http-api.test.ts does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler } from '../../handlers/risk.js';
import { handleRiskRequest, MAX_RISK_BODY_BYTES } from '../../src/batch/risk-api.js';
import { httpEvent } from '../handlers/harness.js';
import { ROOT, runPmbt } from '../helpers/pmbt.js';

const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'data', 'samples', name), 'utf8')) as Record<string, unknown>;
const example = () => ({ portfolio: read('portfolio-pm-pro-example.json'), market: read('market-example.json'), rules: [read('rules-pm-pro-example.json')] });

async function post(body: unknown, raw = false) {
  const r = await handleRiskRequest(httpEvent('POST', '/risk', { body: raw ? (body as string) : JSON.stringify(body) }));
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> & { error?: string } };
}

describe('POST /risk', () => {
  it('answers the PM Pro example with pmbt risk\'s document (docs/risk.md worked example)', async () => {
    const r = await post({ ...example(), options: { families: ['all'], rangePct: 95 } });
    expect(r.status).toBe(200);
    const families = r.body.families as { family: string; down: Record<string, Record<string, string>> }[];
    // uniMMR = 1.5 at x = 3,569 / 18,812.4 = 0.189715294…: −81.0284706 %, the first 1e-8 % past it.
    expect(families[0]!.down.marginCall).toMatchObject({ shockPct: '-81.02847059', uniMMR: '1.49999999', accountStatus: 'MARGIN_CALL' });
    // Liquidation at x = 3,546.5 / 20,242.68: −82.4800866 % (docs/risk.md, to 7 decimals).
    expect(families[0]!.down.liquidation!.shockPct).toMatch(/^-82\.4800866\d$/);
    // The same bytes as the CLI for the same inputs and options (dist/ is built before CLI tests).
    const cli = await runPmbt(['risk', '--portfolio', 'data/samples/portfolio-pm-pro-example.json', '--market', 'data/samples/market-example.json', '--rules', 'data/samples/rules-pm-pro-example.json', '--families', 'all', '--range', '95']);
    expect(cli.code).toBe(0);
    expect(r.body).toEqual(JSON.parse(cli.stdout));
  });

  it('adds the risk matrices when options.matrix asks, with betas and the leader as pmbt risk takes them', async () => {
    const r = await post({ ...example(), options: { families: 'all,leader', leader: 'BTC', betas: { ETH: 1.2 }, grid: 41, matrix: { points: 5, rangePct: 20, depeg: 'USDT' } } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ leader: 'BTC', betas: { ETH: '1.2' }, search: { grid: 41 } });
    const m = r.body.matrices as { leaderOthers: { uniMMR: string[][]; cols: { shocksPct: string[] } }; leaderDepeg: { cols: { name: string } } };
    // The middle cell is the example itself (docs/margin-rules.md §10).
    expect(m.leaderOthers.uniMMR[2]![2]).toBe('6.15351257');
    expect(m.leaderOthers.cols.shocksPct).toEqual(['-20.0000', '-10.0000', '0.0000', '10.0000', '20.0000']);
    expect(m.leaderDepeg.cols.name).toBe('depeg:USDT');
    expect(r.body.warnings).toEqual([]);
  });

  it('answers bad input with 400 and one line naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...example(), options: { grid: 5000 } }, 'request body: options.grid: expected a whole number from 3 to 1001, got 5000'],
      [{ ...example(), options: { families: ['all', 'sideways'] } }, 'request body: options.families[1]: expected one of all, leader, single, depeg, got "sideways"'],
      [{ ...example(), options: { leader: 'USDT' } }, 'request body: options.leader: expected a non-stablecoin asset'],
      [{ ...example(), options: { matrix: { points: 4 } } }, 'request body: options.matrix.points: expected an odd whole number from 3 to 51, got 4'],
      [{ ...example(), options: { matrix: { points: 5, depeg: 'BTC' } } }, 'request body: options.matrix.depeg: expected a stablecoin'],
      [{ ...example(), options: { betas: { ETH: 'steep' } } }, 'request body: options.betas.ETH: expected a number'],
      [{ ...example(), options: { range: 10 } }, 'request body: options.range: expected one of families, leader, betas, rangePct, grid, matrix, got an unknown field "range"'],
      [{ ...example(), extra: 1 }, 'request body: extra: expected one of portfolio, market, rules, options'],
      [{ market: read('market-example.json') }, 'request body: portfolio: expected a portfolio (JSON object), got nothing'],
      [{ ...example(), portfolio: { id: 'x', balances: [{ asset: 'USDT', crossMarginFree: 'abc' }] } }, 'request body: portfolio: balances[0].crossMarginFree: expected a decimal number'],
      [{ ...example(), market: { indexPrices: { USDT: '1' }, markPrices: {} } }, 'request body: market: '],
      [{ ...example(), rules: 'x' }, 'request body: rules: expected a list of at most 16 rule documents'],
      [{ ...example(), portfolio: { id: 'x', deep: JSON.parse(`${'['.repeat(80)}${']'.repeat(80)}`) as unknown } }, 'request body: portfolio: expected at most 64 levels of nesting'],
    ];
    for (const [body, error] of cases) {
      const r = await post(body);
      expect(r.status, error).toBe(400);
      expect(r.body.error, error).toContain(error);
      expect(r.body.error).not.toContain('\n');
    }
    expect((await post('{"portfolio": ', true)).body.error).toMatch(/^request body: .*expected valid JSON/);
    expect((await post('', true)).body.error).toBe('request body: (document): expected { portfolio, market, rules?, options? } (a JSON object), got an empty body');
  });

  it('bounds the body and the route', async () => {
    const big = await post({ ...example(), pad: 'x'.repeat(MAX_RISK_BODY_BYTES) });
    expect(big).toEqual({ status: 413, body: { error: `the request body must be at most ${MAX_RISK_BODY_BYTES} bytes` } });
    expect((await handleRiskRequest(httpEvent('GET', '/risk'))).statusCode).toBe(405);
    expect((await handleRiskRequest(httpEvent('POST', '/backtests', { body: '{}' }))).statusCode).toBe(404);
    expect((await handleRiskRequest({ nothing: true })).statusCode).toBe(400);
  });

  it('is what handlers/risk.ts answers', async () => {
    const r = await handler(httpEvent('POST', '/risk', { body: JSON.stringify({ ...example(), options: { families: ['all'] } }) }) as never);
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body!)).toMatchObject({ portfolioId: expect.any(String), now: { uniMMR: '6.15351257' }, families: [{ family: 'all' }] });
  });
});
