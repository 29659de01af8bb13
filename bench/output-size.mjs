#!/usr/bin/env node
// Output size (docs/performance.md "Output size"): re-writes the Arrow batch files of a finished job
// (timeline/, events/, the worst-detail files in _partials/) with each candidate encoding and prints
// one line per candidate: bytes, and the CPU of building the batches from rows and of encoding them
// (medians of 7 rounds, the candidates taking turns in each), per portfolio-day and per MB of plain file. Run after `npm run build`:
//   node bench/output-size.mjs /tmp/size/sample-crash 15000 [--columns]
// (--columns: also each timeline column's bytes a row, plain and as one LZ4 frame a buffer.)
// (the job folder and its portfolio-days: portfolios × days). ZSTD at level 1 two ways, through the
// writer the job uses (CompressedFileWriter: uncompressed-length prefixes): `zstd1` with the encoder
// the job uses (@hpcc-js/wasm-zstd, its WebAssembly inside its module, what the Lambda bundle carries)
// and `zstd1-bokuweb` with @bokuweb/zstd-wasm (a dev dependency that loads zstd.wasm from beside
// itself, which the bundle cannot). Each encoder's load time is printed first.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compress as zstdCompress, init as initZstd } from '@bokuweb/zstd-wasm';
import { CompressionType, RecordBatchFileWriter } from 'apache-arrow';
import { encodeLz4Frame, encodeZstd, loadZstdEncoder, ZSTD_LEVEL } from '../dist/io/arrow/codecs.js';
import { CompressedFileWriter, lz4FileWriter, readArrowBatches } from '../dist/io/arrow/report-tables.js';
import { buildEventsBatch, readEventRecords } from '../dist/records/events/arrow.js';
import { buildTimelineBatch, readTimelineRows } from '../dist/records/timeline.js';

const [dir, portfolioDaysArg, flag] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: node bench/output-size.mjs JOB_FOLDER PORTFOLIO_DAYS');
const portfolioDays = Number(portfolioDaysArg ?? 15_000);
for (const [name, load] of [['@hpcc-js/wasm-zstd', loadZstdEncoder], ['@bokuweb/zstd-wasm', initZstd]]) {
  const t0 = process.hrtime.bigint();
  await load();
  console.log(`${name} loaded in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
}

const filesIn = (sub, test) => readdirSync(join(dir, sub)).filter(test).map((f) => join(dir, sub, f));
const groups = [
  { name: 'timeline', files: [...filesIn('timeline', (f) => f.endsWith('.arrow')), ...filesIn('_partials', (f) => f.endsWith('.worst-timeline.arrow'))], read: readTimelineRows, build: buildTimelineBatch, dictionaries: true },
  { name: 'events', files: [...filesIn('events', (f) => f.endsWith('.arrow')), ...filesIn('_partials', (f) => f.endsWith('.worst-events.arrow'))], read: readEventRecords, build: buildEventsBatch, dictionaries: false },
];

const writers = {
  none: () => new RecordBatchFileWriter(),
  lz4: () => lz4FileWriter(),
  zstd1: () => new CompressedFileWriter(CompressionType.ZSTD, encodeZstd),
  'zstd1-bokuweb': () => new CompressedFileWriter(CompressionType.ZSTD, (b) => zstdCompress(b, ZSTD_LEVEL)),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median ms of `reps` runs of `body`, and its last result. */
function timed(body, reps = 7) {
  const times = [];
  let out;
  for (let rep = 0; rep < reps; rep++) {
    const t0 = process.hrtime.bigint();
    out = body();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), out };
}
const perDay = (ms) => `${(1000 * ms / portfolioDays).toFixed(1).padStart(5)} µs`;

for (const g of groups) {
  const inputs = g.files.map((f) => [...readArrowBatches(readFileSync(f))].flatMap((b) => g.read(b, f)));
  const dicts = g.dictionaries ? [false, true] : [false];
  // The candidates take turns within each of 7 rounds, so a busy moment of the machine falls on all
  // of them: building the batches from row objects (what the batch step does) and encoding them, apart.
  const builds = new Map(dicts.map((d) => [d, []]));
  const writes = new Map();
  const bytes = new Map();
  for (let round = 0; round < 7; round++) {
    for (const dict of dicts) {
      const built = timed(() => inputs.map((rows) => g.build(rows, dict)), 1);
      builds.get(dict).push(built.ms);
      for (const [codec, writer] of Object.entries(writers)) {
        const written = timed(() => built.out.reduce((n, b) => n + writer().writeAll([b]).toUint8Array(true).length, 0), 1);
        const key = `${dict}|${codec}`;
        writes.set(key, [...(writes.get(key) ?? []), written.ms]);
        bytes.set(key, written.out);
      }
    }
  }
  const plainBytes = bytes.get('false|none');
  for (const dict of dicts) {
    for (const codec of Object.keys(writers)) {
      const key = `${dict}|${codec}`;
      const [b, build, write] = [bytes.get(key), median(builds.get(dict)), median(writes.get(key))];
      const label = `${g.name} ${dict ? 'dictionaries + ' : ''}${codec}`;
      console.log(`${label.padEnd(32)} ${String(b).padStart(11)} B ${(100 * b / plainBytes).toFixed(1).padStart(5)} % ${(b / portfolioDays).toFixed(1).padStart(7)} B/portfolio-day · build ${perDay(build)} + write ${perDay(write)} = ${perDay(build + write)} a portfolio-day (write ${(write / (plainBytes / 1e6)).toFixed(2)} ms/MB plain)`);
    }
  }
}

if (flag === '--columns') {
  // Each column's buffers of the timeline batch files as written now (dictionaries), one LZ4 frame a buffer.
  const sums = new Map();
  let rows = 0;
  for (const f of groups[0].files) {
    for (const b of readArrowBatches(readFileSync(f))) {
      const stored = buildTimelineBatch(readTimelineRows(b, f), true);
      rows += stored.numRows;
      stored.schema.fields.forEach((field, i) => {
        const d = stored.getChildAt(i).data[0];
        const buffers = [d.valueOffsets, d.values, d.nullBitmap, ...(d.dictionary?.data ?? []).flatMap((x) => [x.valueOffsets, x.values])].filter((x) => x?.byteLength > 0);
        const sum = sums.get(field.name) ?? { plain: 0, lz4: 0 };
        for (const x of buffers) {
          const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
          sum.plain += bytes.length;
          sum.lz4 += Math.min(bytes.length, encodeLz4Frame(bytes).length);
        }
        sums.set(field.name, sum);
      });
    }
  }
  for (const [name, sum] of sums) console.log(`timeline column ${name.padEnd(14)} ${(sum.plain / rows).toFixed(2).padStart(6)} B a row plain, ${(sum.lz4 / rows).toFixed(2).padStart(6)} B as LZ4`);
}
