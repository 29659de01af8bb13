import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleRiskRequest } from '../src/batch/risk-api.js';

/**
 * HTTP API (payload 2.0) `POST /risk`: `pmbt risk` for one account now, answered synchronously with
 * the same JSON document (docs/serverless.md). Reads nothing from AWS: its role allows only logs.
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return handleRiskRequest(event);
}
