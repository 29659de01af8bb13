import { SFNClient } from '@aws-sdk/client-sfn';
import { readDeployment } from '../src/batch/deployment.js';
import { createJobService, type JobService } from '../src/batch/job-service.js';
import { sharedS3Client } from './environment.js';

// The api and schedule Lambdas' job service, from their environment; read on first use.

let sfn: SFNClient | undefined;

/** The deployed job service: PMBT_DATA_BUCKET, PMBT_STATE_MACHINE_ARN (PMBT_SFN_ENDPOINT in tests). */
export function readJobService(): JobService {
  const deployment = readDeployment(process.env);
  const stateMachineArn = process.env.PMBT_STATE_MACHINE_ARN;
  if (!deployment || !stateMachineArn) throw new Error('PMBT_DATA_BUCKET and PMBT_STATE_MACHINE_ARN must be set (serverless.yml sets them)');
  sfn ??= new SFNClient(process.env.PMBT_SFN_ENDPOINT ? { endpoint: process.env.PMBT_SFN_ENDPOINT } : {});
  return createJobService(deployment, stateMachineArn, { s3: sharedS3Client(), sfn });
}
