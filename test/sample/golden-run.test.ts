// The bundled sample job's printed results, pinned: a change to the engines or the replay that
// alters any printed number, event or timeline value fails here. The window is the crash day
// (92 liquidated, 41 bankrupt, funding in USDⓈ-M and COIN-M, hourly loan interest, accounts left
// empty by a liquidation); the hashes were taken with the code before issue 16 item 3's scaled
// integers, empty-account rule and balance refresh, which must not change a byte, and before
// reports became datasets (read back through pmbt export, they are the same bytes).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPmbt } from '../helpers/pmbt.js';

const dir = mkdtempSync(join(tmpdir(), 'pmbt-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('data/sample/job.json on 2024-03-10T12:00Z – 2024-03-11T12:00Z', () => {
  it('gives the pinned events, timeline and summary, byte for byte', async () => {
    const run = await runPmbt(['run', 'data/sample/job.json', '--from', '2024-03-10T12:00:00Z', '--to', '2024-03-11T12:00:00Z', '--job-id', 'golden', '--output', `${dir}/`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^liquidated {3}92 \(bankrupt 41\)$/m);
    // The job keeps its reports as one file per batch; pmbt export writes them as the single files
    // the hashes were taken from (before reports became datasets: the same bytes).
    const out = join(dir, 'golden.export');
    const exported = await runPmbt(['export', join(dir, 'golden'), '--to', out]);
    expect(exported.code, exported.stderr).toBe(0);
    // summary.json without its "job" line (it names the output folder) and without each portfolio's
    // kernelSteps (how many steps the kernel took, not a result)
    const summary = readFileSync(join(out, 'summary.json'), 'utf8').split('\n').filter((l) => !l.startsWith('"job": ')).join('\n');
    expect(summary.match(/"kernelSteps":\d+,/g)).toHaveLength(1000);
    expect({
      'events.jsonl': sha256(readFileSync(join(out, 'events.jsonl'))),
      'events.arrow': sha256(readFileSync(join(out, 'events.arrow'))),
      'timeline.arrow': sha256(readFileSync(join(out, 'timeline.arrow'))),
      'summary.json': sha256(summary.replace(/"kernelSteps":\d+,/g, '')),
    }).toEqual({
      'events.jsonl': '6db368747aac1756ae2fc4a0002724847e04688da2375a3ae26e27f2b244258c',
      'events.arrow': '88824ecbb220c4e8c0d76bf2cf93c4c555d261e787f28867b1dd831c597be367',
      'timeline.arrow': '48d569c389deaa125142f58ee031f26d27c94d1d154ea48ac91929d4b798b6b6',
      'summary.json': '2a73d1014439de61d270ad138c4df937dfdfcb228b97d84d0e5d932c01819144',
    });
  });
});
