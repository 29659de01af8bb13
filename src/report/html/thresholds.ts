import { readRuleDocuments } from '../../batch/inputs.js';
import { buildRulesTimeline } from '../../rules/build.js';
import { DEFAULT_THRESHOLDS } from './load.js';
import type { ReportThresholds } from './types.js';

/**
 * The status thresholds a job ran with (its rules over data/rules/, as of the start), for the
 * report's bands. Rules that cannot be read any more (a moved file) fall back to docs/margin-rules.md's
 * defaults, and the report says so.
 */
export async function findJobThresholds(ruleUris: readonly string[], locate: Parameters<typeof readRuleDocuments>[0]): Promise<ReportThresholds> {
  try {
    const { documents } = await readRuleDocuments(locate, ruleUris);
    const t = buildRulesTimeline(documents).base.thresholds;
    return { marginCall: t.marginCall.toNumber(), reduceOnly: t.reduceOnly.toNumber(), liquidation: t.liquidation.toNumber(), source: ruleUris.length === 0 ? 'data/rules/ (defaults)' : `the job's rules (${ruleUris.join(', ')})` };
  } catch (e) {
    return { ...DEFAULT_THRESHOLDS, source: `docs/margin-rules.md defaults (the job's rules could not be read: ${e instanceof Error ? e.message : String(e)})` };
  }
}
