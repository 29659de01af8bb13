#!/usr/bin/env node
// Time of one `POST /risk` (src/batch/risk-api.ts, docs/serverless.md) handled in-process on the
// bundled PM Pro example: default options, with a 9 × 9 matrix, and with the largest the API allows
// (grid 1,001, matrix 51 × 51). Median of 5 per case, one JSON line each.
// Run: npm run build && node bench/risk-api.mjs
import { readFileSync } from 'node:fs';
import { handleRiskRequest } from '../dist/batch/risk-api.js';

const read = (name) => JSON.parse(readFileSync(`data/samples/${name}`, 'utf8'));
const body = (options) => JSON.stringify({ portfolio: read('portfolio-pm-pro-example.json'), market: read('market-example.json'), rules: [read('rules-pm-pro-example.json')], options });
const event = (text) => ({ version: '2.0', routeKey: 'POST /risk', rawPath: '/risk', body: text, isBase64Encoded: false, requestContext: { http: { method: 'POST', path: '/risk' } } });
const cases = [['default', undefined], ['matrix 9', { matrix: { points: 9 } }], ['grid 1001, matrix 51', { grid: 1001, matrix: { points: 51 } }]];
for (const [name, options] of cases) {
  const ms = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await handleRiskRequest(event(body(options)));
    if (r.statusCode !== 200) throw new Error(r.body);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(JSON.stringify({ request: name, msMedianOf5: Math.round(ms[2]) }));
}
