import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { JobService } from '../../src/batch/job-service.js';
import { createMemoryStore, type MemoryStore } from '../../src/io/store/memory.js';

export interface FakeExecution {
  executionArn: string;
  name: string;
  input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
}

/**
 * A JobService over an in-memory bucket and a Step Functions stand-in that records executions
 * (a test sets their status). Links are `memory://KEY?expires=N` instead of presigned URLs.
 */
export function createMemoryJobService(bucketName = 'pm-data'): { svc: JobService; bucket: MemoryStore; executions: FakeExecution[] } {
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:pm-backtester-test-backtest';
  const executions: FakeExecution[] = [];
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof StartExecutionCommand) {
      const name = command.input.name!;
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      executions.push({ executionArn, name, input: JSON.parse(command.input.input!), status: 'RUNNING' });
      return { executionArn, startDate: new Date(Date.UTC(2026, 0, 2)) };
    }
    if (command instanceof DescribeExecutionCommand) {
      const e = executions.find((x) => x.executionArn === command.input.executionArn);
      if (e === undefined) throw Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' });
      return { executionArn: e.executionArn, status: e.status, error: e.error, cause: e.cause };
    }
    throw new Error(`unexpected Step Functions command ${String(command)}`);
  };
  const bucket = createMemoryStore({ uriPrefix: `s3://${bucketName}/` });
  const svc: JobService = {
    deployment: { bucket: bucketName },
    stateMachineArn,
    store: bucket,
    presign: async (key, expiresIn) => `memory://${key}?expires=${expiresIn}`,
    sfn: { send } as unknown as Pick<SFNClient, 'send'>,
  };
  return { svc, bucket, executions };
}
