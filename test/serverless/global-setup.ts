// vitest globalSetup: one scratch folder per vitest run, handed to the test files (inject), where
// test/serverless/packaged.ts packages the service at most once for every file that needs it
// (`serverless package` takes 6–10 s, more on a loaded machine). Nothing is packaged here, so a
// run without the serverless tests pays nothing; the folder goes when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    serverlessScratch: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'pmbt-sls-run-'));
  project.provide('serverlessScratch', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
