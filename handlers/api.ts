import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleHttpRequest } from '../src/batch/http-api.js';
import { readJobService } from './service-environment.js';

/**
 * HTTP API (payload 2.0): `POST /backtests` validates a job spec and starts the state machine
 * (202 + jobId); `GET /backtests/{jobId}` answers running / failed / complete with presigned links
 * to the reports.
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return handleHttpRequest(event, readJobService);
}
