'use strict';
// Values serverless.yml computes at package time (not Lambda code; never bundled):
//   ${file(./handlers/deploy-config.cjs):scheduleEvents}   one schedule event per test of data/stress-tests.json
//   ${file(./handlers/deploy-config.cjs):fetchSchedule}    the fetch-prices rule, from data/price-history.json
//   ${file(./handlers/deploy-config.cjs):maxConcurrency}   the Distributed Map's MaxConcurrency, from the
//   ${file(./handlers/deploy-config.cjs):itemsPerBatch}    deploy parameters as numbers (a --param value
//                                                          arrives as a string; the state machine needs an integer)
// src/batch/stress-tests.ts validates the same file fully when the schedule runs, and
// test/serverless/package.test.ts checks the rules generated here against it.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const STRESS_TESTS = join(__dirname, '..', 'data', 'stress-tests.json');
const PRICE_HISTORY = join(__dirname, '..', 'data', 'price-history.json');

function readTests() {
  const config = JSON.parse(readFileSync(STRESS_TESTS, 'utf8'));
  if (config.version !== 1 || !Array.isArray(config.tests)) throw new Error(`${STRESS_TESTS}: expected {"version": 1, "tests": [...]}`);
  return config.tests.map((t, i) => {
    if (typeof t.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(t.name)) throw new Error(`${STRESS_TESTS}: tests[${i}].name: expected a job id prefix, got ${JSON.stringify(t.name)}`);
    if (typeof t.schedule !== 'string' || !/^(cron|rate)\([^()]+\)$/.test(t.schedule)) throw new Error(`${STRESS_TESTS}: tests[${i}].schedule: expected cron(...) or rate(...), got ${JSON.stringify(t.schedule)}`);
    return t;
  });
}

async function readCount(resolveVariable, name, min, max) {
  const raw = await resolveVariable(`param:${name}`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`param ${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

module.exports = {
  // The rule passes the test's name and its own firing time; the handler builds the job id from both.
  scheduleEvents: () =>
    readTests().map((t) => ({
      schedule: {
        rate: [t.schedule],
        description: `pm-backtester stress test ${t.name}${t.description ? `: ${t.description}` : ''}`.slice(0, 512),
        inputTransformer: {
          inputPathsMap: { time: '$.time' },
          inputTemplate: `{"test": ${JSON.stringify(t.name)}, "time": <time>}`,
        },
      },
    })),
  // src/batch/price-history.ts validates the whole file when the function runs.
  fetchSchedule: () => {
    const config = JSON.parse(readFileSync(PRICE_HISTORY, 'utf8'));
    if (typeof config.schedule !== 'string' || !/^(cron|rate)\([^()]+\)$/.test(config.schedule)) throw new Error(`${PRICE_HISTORY}: schedule: expected cron(...) or rate(...), got ${JSON.stringify(config.schedule)}`);
    return [{ schedule: { rate: [config.schedule], description: 'pm-backtester: append the ended days to the price history' } }];
  },
  // Distributed Map limits: MaxConcurrency 0 would mean "as many as possible" (up to 10,000); we keep it explicit.
  maxConcurrency: ({ resolveVariable }) => readCount(resolveVariable, 'maxConcurrency', 1, 10000),
  itemsPerBatch: ({ resolveVariable }) => readCount(resolveVariable, 'itemsPerBatch', 1, 100),
};
