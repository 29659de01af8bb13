import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.js';
import { writeSeriesArrow } from '../../../src/io/arrow/series.js';
import { detectInputFormat, INPUT_FORMATS } from '../../../src/io/convert/input-formats.js';
import { seriesOf } from '../../helpers/series.js';

const text = (s: string) => new TextEncoder().encode(s);
const arrowFile = writeSeriesArrow(seriesOf([[0, 'BTC', 'index', 1]]));
const arrowStream = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0]);

describe('the input format registry', () => {
  it('registers each format once, in the order they are tried', () => {
    expect(INPUT_FORMATS.map((f) => f.name)).toEqual(['arrow', 'zip', 'gzip', 'parquet', 'json', 'csv']);
  });

  it.each([
    ['an Arrow IPC file', arrowFile, 'arrow', 'arrow'],
    ['an Arrow IPC stream', arrowStream, 'arrow', 'arrow'],
    ['a JSON array', text('  [{"time": 1}]'), 'json', 'json'],
    ['JSON Lines after a byte-order mark', text('\uFEFF{"id": "a"}\n{"id": "b"}\n'), 'json', 'json'],
    ['an empty file (no portfolios; a table without a header, for the CSV reader to refuse)', new Uint8Array(0), 'csv', 'json'],
    ['CSV', text('time,symbol,kind,value\n'), 'csv', undefined],
    ['a zip archive (its local header signature)', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), 'zip', undefined],
    ['a Parquet file ("PAR1")', text('PAR1\x15\x04\x15\x80'), 'parquet', undefined],
    ['gzip data (Tardis.dev .csv.gz)', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'gzip', undefined],
    ['bzip2 data (left to the CSV reader, which says what it looks like)', new Uint8Array([0x42, 0x5a, 0x68, 0x39, 0, 0, 0, 0]), 'csv', undefined],
  ])('recognises %s', (_what, head, asTable, asPortfolios) => {
    expect(detectInputFormat(head, 'f', 'table').name).toBe(asTable);
    if (asPortfolios !== undefined) expect(detectInputFormat(head, 'f', 'portfolios').name).toBe(asPortfolios);
  });

  it('reads a recognised table with the format\'s reader', () => {
    const table = detectInputFormat(arrowFile, 'p.arrow', 'table').readTable!(arrowFile, 'p.arrow');
    expect(table.rowCount).toBe(1);
    expect(table.columnNames).toContain('value');
  });

  it('refuses portfolios in no registered portfolio format, naming the file and what was expected', () => {
    const refuse = () => detectInputFormat(text('id,balance\np1,5\n'), 'desk.csv', 'portfolios');
    expect(refuse).toThrow(InputError);
    expect(refuse).toThrow('desk.csv: (document): expected portfolios as Arrow IPC file or stream (Feather v2), or JSON or JSON Lines (starting with "[" or "{"), got a file starting with "id,balance\\np1,5\\n"');
  });
});
