import type { S3Client } from '@aws-sdk/client-s3';
import { readDeployment } from '../src/batch/deployment.js';
import type { StepEnvironment } from '../src/batch/lambda-steps.js';
import { createLocator, createS3Client, readStoreSettings, type Locate } from '../src/io/store/open.js';

// Where the Lambdas read their environment (serverless.yml sets it) and build their clients (the
// job service's are in service-environment.ts, so the step bundles do not carry Step Functions); everything below the handlers is given them. Read on first use, not at import, so a
// test can set the variables after importing a handler. One client of each kind per process: a
// warm Lambda reuses its connections.

let s3: S3Client | undefined;
let locate: Locate | undefined;

/** The process's one S3 client, made from PMBT_S3_ENDPOINT / PMBT_S3_FORCE_PATH_STYLE on first use. */
export function sharedS3Client(): S3Client {
  return (s3 ??= createS3Client(readStoreSettings(process.env)));
}

/** Where URIs lead and which deployment jobs must stay in: what the state machine's steps take. */
export function readStepEnvironment(): StepEnvironment {
  locate ??= createLocator(readStoreSettings(process.env), sharedS3Client);
  return { locate, deployment: readDeployment(process.env) };
}
