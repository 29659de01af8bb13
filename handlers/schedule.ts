import { readStressTests, runScheduledStressTests, stressTestsPath, type StartedStressTest } from '../src/batch/stress-tests.js';
import { applyScenario } from '../src/scenarios/index.js';
import { readJobService } from './service-environment.js';

/**
 * Scheduled stress tests: a rule generated from data/stress-tests.json sends
 * `{ "test": name, "time": <firing time> }`; the test's scenario is applied to its base prices,
 * written to `scenarios/<jobId>/prices.arrow`, and the job started like POST /backtests.
 * EventBridge's plain scheduled event (no `test`) starts every test in the file.
 */
export async function handler(event: unknown): Promise<{ started: StartedStressTest[] }> {
  const started = await runScheduledStressTests(event, readJobService(), applyScenario, () => readStressTests(stressTestsPath(process.env)));
  for (const s of started) console.log(JSON.stringify({ step: 'schedule', ...s }));
  return { started };
}
