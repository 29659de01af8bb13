import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type ColumnData, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../../domain/errors.js';
import { isTimeInRange, TIME_RANGE_TEXT } from '../arrow/columns.js';
import type { TableChunk } from './csv-stream.js';
import { textSourceTable, type SourceTable } from './source-table.js';

// Parquet files from pandas/pyarrow or polars, read with hyparquet (pure JavaScript, 0.75 MB
// installed against parquet-wasm's 15 MB, at a similar speed: docs/performance.md#converting),
// one row group at a time so memory holds one group's columns.

/** "PAR1" opens (and closes) every Parquet file. */
export function isParquetBytes(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

/** TIMESTAMP columns arrive as ms numbers (floored), whatever their unit, so they need no unit guess. */
const floorDiv = (v: bigint, d: bigint) => Number(v / d - (v % d < 0n ? 1n : 0n));
const TIME_PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => floorDiv(v, 1000n),
  timestampFromNanoseconds: (v: bigint) => floorDiv(v, 1_000_000n),
  dateFromDays: (days: number) => days * 86_400_000,
};

function isTimeElement(e: SchemaElement): boolean {
  return e.type === 'INT96' || e.logical_type?.type === 'TIMESTAMP' || e.logical_type?.type === 'DATE' || e.converted_type === 'TIMESTAMP_MILLIS' || e.converted_type === 'TIMESTAMP_MICROS' || e.converted_type === 'DATE';
}

/** hyparquet's view of a file on disk, or of bytes in memory. */
async function asyncBufferOf(file: string | Uint8Array): Promise<AsyncBuffer> {
  if (typeof file === 'string') return asyncBufferFromFile(file);
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}

async function readFooter(source: string | Uint8Array, src: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
  const file = await asyncBufferOf(source);
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/footer/i.test(message)) throw new InputError(src, '', 'a Parquet file ending with its footer ("PAR1")', 'a file that opens like Parquet but has no footer (truncated?)');
    throw new InputError(src, '', 'a readable Parquet footer', message);
  }
}

/** A row group's flat columns as a table; times of TIMESTAMP columns are already ms. */
function rowGroupTable(src: string, names: readonly string[], timeColumns: ReadonlySet<string>, cells: unknown[][], rowCount: number, firstRow: number): SourceTable {
  const table = textSourceTable(src, names, cells, rowCount, (column, row) => `${column}, row ${firstRow + row + 1}`);
  return {
    ...table,
    readTimes(column, unit) {
      if (!timeColumns.has(column)) return table.readTimes(column, unit);
      const values = cells[names.indexOf(column)]!;
      const out = new Float64Array(rowCount);
      for (let r = 0; r < rowCount; r++) {
        const ms = values[r];
        if (typeof ms !== 'number') throw new InputError(src, table.cellPath(column, r), 'a time', 'nothing');
        if (!isTimeInRange(ms)) throw new InputError(src, table.cellPath(column, r), TIME_RANGE_TEXT, `${ms} ms`);
        out[r] = ms;
      }
      return out;
    },
  };
}

/** A Parquet file as one table per row group, rows numbered from 1 across the file. */
export async function* readParquetChunks(source: string | Uint8Array, src: string): AsyncIterable<TableChunk> {
  const { file, metadata } = await readFooter(source, src);
  // Flat top-level columns only (a struct or list column is not a price).
  const top = parquetSchema(metadata).children.filter((c) => c.children.length === 0).map((c) => c.element);
  const names = top.map((e) => e.name);
  const timeColumns = new Set(top.filter(isTimeElement).map((e) => e.name));
  let groupStart = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rowCount = Number(group.num_rows);
    const cells = names.map(() => new Array<unknown>(rowCount));
    const place = (chunk: ColumnData) => {
      const column = cells[names.indexOf(chunk.columnName)];
      if (column === undefined) return;
      const from = Math.max(chunk.rowStart, groupStart);
      const to = Math.min(chunk.rowEnd, groupStart + rowCount);
      for (let r = from; r < to; r++) column[r - groupStart] = chunk.columnData[r - chunk.rowStart];
    };
    try {
      await parquetRead({ file, metadata, columns: names, rowStart: groupStart, rowEnd: groupStart + rowCount, compressors, parsers: TIME_PARSERS, onChunk: place });
    } catch (e) {
      throw new InputError(src, `row group ${g + 1}`, 'a readable Parquet row group (plain, dictionary or delta encoded; snappy, gzip, brotli, zstd or lz4)', e instanceof Error ? e.message : String(e));
    }
    const first = groupStart + 1;
    yield { table: rowGroupTable(src, names, timeColumns, cells, rowCount, groupStart), position: (row) => first + row, where: 'row' };
    groupStart += rowCount;
  }
  if (metadata.row_groups.length === 0) yield { table: rowGroupTable(src, names, timeColumns, names.map(() => []), 0, 0), position: (row) => row + 1, where: 'row' };
}
