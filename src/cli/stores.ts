import { readDeployment } from '../batch/deployment.js';
import type { StepEnvironment } from '../batch/lambda-steps.js';
import { createLocator, readStoreSettings, type Locate, type StoreSettings } from '../io/store/open.js';

// The CLI's stores come from its environment (PMBT_S3_ENDPOINT, PMBT_S3_FORCE_PATH_STYLE, AWS_*),
// read here once per process; the batch steps are handed them.

let locate: Locate | undefined;

export function readCliStoreSettings(): StoreSettings {
  return readStoreSettings(process.env);
}

/** Local paths and s3:// URIs, one S3 client shared by every s3:// URI of this run. */
export function locateUri(uri: string): ReturnType<Locate> {
  locate ??= createLocator(readCliStoreSettings());
  return locate(uri);
}

/** What `pmbt run-via-handlers` gives the steps: the CLI's stores, and PMBT_DATA_BUCKET if set, like a Lambda. */
export function readCliStepEnvironment(): StepEnvironment {
  return { locate: locateUri, deployment: readDeployment(process.env) };
}
