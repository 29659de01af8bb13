// Throughput of `pmbt convert series` on Binance-kline-shaped inputs: a CSV (with header), the
// same CSV in a zip, and the same rows as Parquet (snappy, int64 ms open times), 1M rows each by
// default. Run after `npm run build` (or `npm run bench:convert`); prints one JSON line.
//   node bench/convert.mjs [rows]
//   node bench/convert.mjs --stream FILE.csv   read a CSV chunk by chunk through extraction, keeping
//                                              no rows: the memory streaming itself needs
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import yazl from 'yazl';
import { convertSeriesFiles, extractTablePart } from '../dist/io/convert/series.js';
import { readCsvChunks } from '../dist/io/convert/csv-stream.js';

if (process.argv[2] === '--stream') {
  const path = process.argv[3];
  const { createReadStream } = await import('node:fs');
  const t0 = performance.now();
  let rows = 0;
  let peakHeapMiB = 0;
  for await (const chunk of readCsvChunks(createReadStream(path, { highWaterMark: 1 << 18 }), path)) {
    rows += extractTablePart(chunk.table, { path, symbol: 'BTCUSDT', kind: 'mark' }, { intervalMs: 60_000, extremes: true }).times.length;
    peakHeapMiB = Math.max(peakHeapMiB, process.memoryUsage().heapUsed / 2 ** 20);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ file: path, bytes: statSync(path).size, rows, seconds: Number(seconds.toFixed(1)), peakHeapMiB: Math.round(peakHeapMiB), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(0);
}

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'pmbt-bench-convert-'));
const T0 = 1_577_836_800_000;
const MIN = 60_000;

/** A deterministic walk of 1m klines: open, high, low, close per row. */
function klines() {
  const open = new Float64Array(rows);
  const close = new Float64Array(rows);
  let p = 7189.43;
  for (let i = 0; i < rows; i++) {
    open[i] = p;
    p = Math.max(1, Math.round((p + (((i * 7919) % 201) - 100) / 100) * 100) / 100);
    close[i] = p;
  }
  const high = open.map((o, i) => Math.max(o, close[i]) + 1.5);
  const low = open.map((o, i) => Math.min(o, close[i]) - 1.25);
  return { open, high, low, close };
}

async function writeCsv(path, k) {
  const out = createWriteStream(path);
  out.write('open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const t = T0 + i * MIN;
    buf += `${t},${k.open[i].toFixed(2)},${k.high[i].toFixed(2)},${k.low[i].toFixed(2)},${k.close[i].toFixed(2)},246.092,${t + MIN - 1},1767430.16121,336,46.630,334813.19820,0\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((resolve) => out.end(resolve));
}

async function writeZip(path, csv) {
  const zip = new yazl.ZipFile();
  zip.addFile(csv, 'BTCUSDT-1m-2020-01.csv');
  zip.end();
  await new Promise((resolve, reject) => zip.outputStream.pipe(createWriteStream(path)).on('close', resolve).on('error', reject));
}

function writeParquet(path, k) {
  const openTime = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) openTime[i] = BigInt(T0 + i * MIN);
  parquetWriteFile({
    filename: path,
    codec: 'SNAPPY',
    columnData: [
      { name: 'open_time', data: openTime, type: 'INT64' },
      { name: 'open', data: k.open, type: 'DOUBLE' },
      { name: 'high', data: k.high, type: 'DOUBLE' },
      { name: 'low', data: k.low, type: 'DOUBLE' },
      { name: 'close', data: k.close, type: 'DOUBLE' },
      { name: 'volume', data: new Float64Array(rows).fill(246.092), type: 'DOUBLE' },
    ],
  });
}

async function measure(path) {
  const t0 = performance.now();
  const { table } = await convertSeriesFiles([{ path, symbol: 'BTCUSDT', kind: 'mark' }], { extremes: true });
  const seconds = (performance.now() - t0) / 1000;
  if (table.times.length !== rows) throw new Error(`${path}: ${table.times.length} rows, expected ${rows}`);
  return { bytes: statSync(path).size, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(rows / seconds) };
}

try {
  const k = klines();
  const csv = join(dir, 'BTCUSDT-1m.csv');
  const zip = join(dir, 'BTCUSDT-1m.zip');
  const parquet = join(dir, 'BTCUSDT-1m.parquet');
  await writeCsv(csv, k);
  await writeZip(zip, csv);
  writeParquet(parquet, k);
  const result = { rows, csv: await measure(csv), zip: await measure(zip), parquet: await measure(parquet) };
  console.log(JSON.stringify({ ...result, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), node: process.version }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
