import { makeData, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Struct, vectorFromArray, type Schema } from 'apache-arrow';

// The job's output tables as files. Their rows, schemas and column writers are owned by the
// records (src/records/timeline.ts, src/records/events/arrow.ts); this is the IPC file framing.

/** Encodes record batches as one Arrow IPC file, chunk by chunk (memory holds one batch). */
export async function* encodeArrowFile(schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>): AsyncIterable<Uint8Array> {
  const writer = new RecordBatchFileWriter();
  const chunks: Uint8Array[] = [];
  const pump = (async () => {
    for await (const c of writer) chunks.push(c);
  })();
  let wrote = false;
  for await (const b of batches) {
    if (b.numRows === 0) continue;
    writer.write(b);
    wrote = true;
    // Hand over what the writer has produced so far before building the next batch.
    await new Promise((r) => setImmediate(r));
    while (chunks.length > 0) yield chunks.shift()!;
  }
  // A file needs its schema even with no rows.
  if (!wrote) writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children: schema.fields.map((f) => vectorFromArray([], f.type).data[0]!) })));
  writer.close();
  await pump;
  while (chunks.length > 0) yield chunks.shift()!;
}

/** The record batches of an Arrow IPC file or stream held in memory. */
export function* readArrowBatches(bytes: Uint8Array): Iterable<RecordBatch> {
  yield* RecordBatchReader.from(bytes);
}
