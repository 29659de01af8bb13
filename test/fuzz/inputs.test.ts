// Fuzz tests of the readers of untrusted input and of the HTTP API (issue 15): arbitrary JSON and
// mutations of valid documents must either parse or fail with an InputError whose message is one
// line naming its source — never a TypeError, RangeError or stack overflow, which a job would
// report as an internal error. The API must answer bad requests with a 4xx and a one-line `error`,
// never a 5xx. Byte-mutated series files (readSeriesArrow, the job's price reader) and Arrow
// portfolio files (readPortfolioDocuments) must read or fail the same way, quickly: the series
// property first hung between runs 51 and 100 at the default seed (apache-arrow re-reading a
// footer block that held no record batch, or walking a flatbuffer vector claiming millions of
// entries), and 1,000 such mutations of a portfolio file hung at the 40th; the inputs are kept in
// test/io/arrow/ipc-bounds.test.ts. Runs are seeded (PMBT_SEED) and sized by PMBT_PROPERTY_RUNS;
// fast-check prints the seed and the shrunk counterexample of a failure.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleHttpRequest } from '../../src/batch/http-api.js';
import { parseJobSpec } from '../../src/batch/job.js';
import { InputError } from '../../src/domain/errors.js';
import { readPortfolioDocuments, writePortfoliosArrow } from '../../src/io/arrow/portfolios.js';
import { readSeriesArrow, writeSeriesArrow } from '../../src/io/arrow/series.js';
import type { Rules } from '../../src/domain/types.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';
import { buildRules, type RuleDocument } from '../../src/rules/build.js';
import { httpEvent } from '../handlers/harness.js';
import { createMemoryJobService } from '../helpers/memory-job-service.js';
import { byteMutation, mutateBytes } from '../helpers/byte-mutations.js';
import { everyMinute, seriesOf } from '../helpers/series.js';

const runs = Number(process.env.PMBT_PROPERTY_RUNS ?? 200);
const seed = Number(process.env.PMBT_SEED ?? 20261121);
const params = { numRuns: runs, seed };

/**
 * Runs `parse` and checks the outcome: a value, or an InputError of one line that starts with one
 * of `sources`. Anything else (another error class, a multi-line message) is returned as a failure.
 */
function expectReturnsOrInputError(parse: () => unknown, sources: readonly string[]): void {
  try {
    parse();
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`expected an InputError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.message, 'one line').not.toMatch(/[\n\r]/);
    expect(sources.some((s) => e.message.startsWith(`${s}: `)), `starts with one of ${sources.join(', ')}: ${e.message}`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid JSON document: the interesting inputs sit next to valid ones, where a
// reader has already trusted the outer shape and reads a field without checking its type.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (list of keys and indices) into a JSON value, the root included. */
function pathsOf(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((c, i) => pathsOf(c, [...at, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) pathsOf(c, [...at, k], out);
  return out;
}

/** Keys a parser might mishandle: prototype names, empty, control characters (one-line messages). */
const oddKey = fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'a\nb', 'x\r\ny', '\u2028', 'ünïcode', '$comment', '0', '-1');

/** Values that look like numbers to a lax reader, or that overflow a strict one. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('NaN', 'Infinity', '-Infinity', '1e99999999999999999', '1e-99999', '-0', '0x10', '1_000', ' 1 ', '', '-1', '1.', '.5', '1e30', '9'.repeat(400), 'null', 'true', '[]', '{}', '\n', 'line\nbreak'),
  fc.constantFrom<Json>(-1, 0, -0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 1.5, 2 ** 31, -(2 ** 53)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

/** A value nested far deeper than any document (object or array wrappers). */
const deepValue: fc.Arbitrary<Json> = fc.record({ depth: fc.integer({ min: 50, max: 3000 }), array: fc.boolean(), leaf: oddValue }).map(({ depth, array, leaf }) => {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
});

type Mutation =
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'addKey'; at: number; key: string; value: Json }
  | { kind: 'duplicate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(oddValue, deepValue) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(oddKey, fc.string({ maxLength: 8 })), value: oddValue }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);

/** Applies the mutations to a copy of `doc`; `at` picks a path modulo the number of paths. */
function mutate(doc: Json, mutations: readonly Mutation[]): Json {
  let root: Json = structuredClone(doc);
  for (const m of mutations) {
    // An added key goes into an object (where unknown keys are checked); other mutations anywhere.
    const all = pathsOf(root);
    const objects = all.filter((p) => {
      const v = p.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, root);
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    });
    const paths = m.kind === 'addKey' && objects.length > 0 ? objects : all;
    const path = paths[m.at % paths.length]!;
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1];
    let parent: Json = root;
    for (const k of parentPath) parent = (parent as Record<string | number, Json>)[k]!;
    const target = last === undefined ? root : (parent as Record<string | number, Json>)[last]!;
    if (m.kind === 'replace') {
      if (last === undefined) root = m.value;
      else (parent as Record<string | number, Json>)[last] = m.value;
    } else if (m.kind === 'delete') {
      if (last === undefined) continue;
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete (parent as Record<string, Json>)[last];
    } else if (m.kind === 'addKey') {
      // defineProperty, so "__proto__" becomes an own key as JSON.parse would make it.
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else if (Array.isArray(target)) target.push(m.value);
    } else if (Array.isArray(parent)) {
      parent.push(structuredClone(target));
    }
  }
  return root;
}

/** A valid document, or one to three mutations of it, or any JSON value at all. */
const variantsOf = (valid: Json): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => mutate(valid, ms)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: deepValue },
  );

// ---------------------------------------------------------------------------------------------

const ruleDocuments: RuleDocument[] = await readDefaultRuleDocuments();
const rules: Rules = buildRules(ruleDocuments);

const validPortfolio = {
  ...(JSON.parse(await readFile('data/samples/portfolio-pm-pro-example.json', 'utf8')) as Record<string, Json>),
  // Orders and a second leg side, so those readers are mutated too.
  marginOpenOrders: [{ symbol: 'BTCUSDT', side: 'BUY', price: '50000', origQty: '0.02', executedQty: '0.01' }],
  umPositions: [
    { symbol: 'BTCUSDT', positionAmt: '-0.05', entryPrice: '52000', positionSide: 'SHORT' },
    { symbol: 'ETHUSDT', positionAmt: '1', entryPrice: '3000', positionSide: 'LONG', unRealizedProfit: '' },
  ],
} as Json;

describe('fuzz: portfolio documents', () => {
  it('the valid document parses (so mutations start from an accepted input)', () => {
    expect(parsePortfolio(validPortfolio, rules, 'portfolios.jsonl', '[0]').id).toBe('domain-6-worked-example');
  });

  it('parsePortfolio returns or throws a one-line InputError naming the file', () => {
    // As the job reads each document: the file name as source, the document's index as path prefix.
    fc.assert(fc.property(variantsOf(validPortfolio), (doc) => expectReturnsOrInputError(() => parsePortfolio(doc, rules, 'portfolios.jsonl', '[0]'), ['portfolios.jsonl'])), params);
  });
});

describe('fuzz: rules documents', () => {
  // The program document is small; the bracket tables are large, so they are mutated less often.
  // Each run builds the whole default rule set (~40 ms), so this property runs a quarter of the runs.
  const program = ruleDocuments.find((d) => d.name.includes('00-program')) ?? ruleDocuments[0]!;
  const names = [...ruleDocuments.map((d) => d.name), ruleDocuments.map((d) => d.name).join(' + '), 'rules'];

  it('buildRules over the default documents, one of them mutated, returns or throws a one-line InputError', () => {
    const which = fc.oneof({ weight: 3, arbitrary: fc.constant(ruleDocuments.indexOf(program)) }, { weight: 1, arbitrary: fc.nat({ max: ruleDocuments.length - 1 }) });
    fc.assert(
      fc.property(which, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.jsonValue({ maxDepth: 3 }), fc.nat({ max: 9 }), (i, ms, anyValue, pickAny) => {
        const docs = ruleDocuments.map((d, k) => (k === i ? { name: d.name, doc: pickAny === 0 ? anyValue : mutate(d.doc as Json, ms) } : d));
        expectReturnsOrInputError(() => buildRules(docs as RuleDocument[]), names);
      }),
      { ...params, numRuns: Math.max(1, Math.round(runs / 4)) },
    );
  });
});

describe('fuzz: job specs', () => {
  const validJob: Json = {
    version: 1,
    jobId: 'job-1',
    prices: 'prices.arrow',
    portfolios: 'portfolios.jsonl',
    rules: ['data/rules'],
    from: '2024-03-01T00:00:00Z',
    to: '2024-03-02T00:00:00.000+01:00',
    timeline: { resolution: '1h' },
    staleness: 3_600_000,
    liquidation: { policy: 'full', slippage: '0.001', target: '1.25' },
    output: 'out/',
    batchSize: 100,
    engine: 'auto',
    events: { ledger: true, lines: false },
  };

  it('the valid spec parses', () => {
    expect(parseJobSpec(validJob, 'job.json').jobId).toBe('job-1');
  });

  it('parseJobSpec returns or throws a one-line InputError naming the file', () => {
    fc.assert(fc.property(variantsOf(validJob), (doc) => expectReturnsOrInputError(() => parseJobSpec(doc, 'job.json'), ['job.json'])), params);
  });
});

// ---------------------------------------------------------------------------------------------
// Byte mutations of valid series files: each framing length, flatbuffer offset and buffer of the
// file is a few bytes that one mutation can turn into a huge or negative number.

describe('fuzz: series files', () => {
  // Our writer's file (dictionary columns, one batch, uncompressed), its IPC stream form, and a
  // ZSTD-compressed file of three batches (test/fixtures/arrow).
  const T0 = Date.UTC(2024, 2, 1);
  const file = writeSeriesArrow(seriesOf([...everyMinute(T0, 5, 'BTC', 'index', (m) => 40000 + m), ...everyMinute(T0, 5, 'BTCUSDT', 'mark', (m) => 40010 + m)]));
  const stream = tableToIPC(tableFromIPC(file), 'stream');
  const zstd = new Uint8Array(readFileSync('test/fixtures/arrow/series-zstd-us.arrow'));

  it('the valid files read', () => {
    expect([file, stream, zstd].map((b) => readSeriesArrow(b, 'prices.arrow').times.length)).toEqual([10, 10, 600]);
  });

  it('readSeriesArrow over one to three byte mutations reads or throws a one-line InputError naming the file', () => {
    const mutated = fc.record({ base: fc.constantFrom(file, stream, zstd), mutations: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) });
    fc.assert(fc.property(mutated, ({ base, mutations }) => expectReturnsOrInputError(() => readSeriesArrow(mutateBytes(base, mutations), 'prices.arrow'), ['prices.arrow'])), params);
  });
});

describe('fuzz: Arrow portfolio files', () => {
  // Three record batches of two portfolios, with list<struct> columns (balances, positions).
  const docs = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, balances: [{ asset: 'USDT', umWalletBalance: String(1000 + i) }], umPositions: [{ symbol: 'BTCUSDT', positionAmt: '0.1', entryPrice: '40000' }] }));
  const file = writePortfoliosArrow(docs, { batchSize: 2 });
  async function* chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
    for (let at = 0; at < bytes.length; at += 1000) yield bytes.subarray(at, at + 1000);
  }

  it('readPortfolioDocuments, given the bytes or a stream of them, yields documents or one-line InputErrors naming the file', async () => {
    // As a job reads an Arrow portfolio file (a stream from the store) and as convert reads one (bytes).
    const mutated = fc.record({ mutations: fc.array(byteMutation, { minLength: 1, maxLength: 3 }), stream: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(mutated, async ({ mutations, stream }) => {
        const bytes = mutateBytes(file, mutations);
        let rows = 0;
        try {
          for await (const item of readPortfolioDocuments(stream ? chunks(bytes) : bytes, 'desk.arrow')) {
            if (item.error !== undefined) expectReturnsOrInputError(() => { throw item.error; }, ['desk.arrow']);
            // A corrupted length must not become millions of failed rows.
            expect(++rows, 'rows').toBeLessThanOrEqual(bytes.length);
          }
        } catch (e) {
          expectReturnsOrInputError(() => { throw e; }, ['desk.arrow']);
        }
      }),
      params,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('fuzz: API requests', () => {
  const BUCKET = 'pm-data';
  const validJob: Json = { jobId: 'j1', prices: `s3://${BUCKET}/inputs/small/prices.arrow`, portfolios: `s3://${BUCKET}/inputs/small/portfolios.jsonl` };
  const body = fc.oneof(
    variantsOf(validJob).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', ' ', '{', '[1,', 'null', '"x"', '\u0000', '{"jobId":"j1"}{}', '{"__proto__":{"jobId":"x"}}'),
  );
  const segment = fc.oneof(fc.constantFrom('j1', '..', '.', '%', '%zz', '%2F', '%E0%A4%A', 'a%00b', '', ' ', 'x'.repeat(200)), fc.string({ maxLength: 20 }));
  const path = fc.oneof(
    fc.constant('/backtests'),
    fc.constant('/backtests/'),
    segment.map((s) => `/backtests/${s}`),
    segment.map((s) => `/backtests/${s}/extra`),
    fc.string({ maxLength: 30 }),
  );
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', 'post', ''),
    path,
    body: fc.option(body, { nil: undefined }),
    base64: fc.boolean(),
    // The route key API Gateway matched, or $default (then the handler routes by path).
    useRouteKey: fc.boolean(),
    jobIdParam: fc.option(segment, { nil: undefined }),
  });

  it('answers every request with a JSON 2xx or a 4xx with a one-line error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const memory = createMemoryJobService(BUCKET);
        const event = httpEvent(r.method, r.path, {
          body: r.body === undefined ? undefined : r.base64 ? Buffer.from(r.body).toString('base64') : r.body,
          isBase64Encoded: r.base64,
          jobId: r.jobIdParam,
        });
        if (!r.useRouteKey) event.routeKey = '$default';
        const response = await handleHttpRequest(event, () => memory.svc);
        const answer = JSON.parse(response.body) as Record<string, unknown>;
        expect(response.statusCode, JSON.stringify(answer)).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, JSON.stringify(answer)).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(typeof answer.error).toBe('string');
          expect(answer.error as string, 'one line').not.toMatch(/[\n\r]/);
        }
      }),
      params,
    );
  });
});
