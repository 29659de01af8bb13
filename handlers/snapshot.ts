import { isInputError } from '../src/domain/errors.js';
import { calculateAccountSnapshot } from '../src/engine/exact/snapshot.js';
import { parseMarketSnapshot } from '../src/io/json/market.js';
import { parsePortfolio } from '../src/io/json/portfolio.js';
import { renderSnapshotJson } from '../src/report/snapshot-json.js';
import { buildRules } from '../src/rules/build.js';
import { readDefaultRuleDocuments } from '../src/io/rules-files.js';
import { readObject } from '../src/domain/json-fields.js';

/** Event: { portfolio, market, rules?: [rules document or saved Binance response, ...] }. */
export interface SnapshotEvent {
  portfolio: unknown;
  market: unknown;
  rules?: unknown[];
}

export type SnapshotResult = { ok: true; snapshot: Record<string, unknown> } | { ok: false; error: string };

/** Thin entry point for `pmbt snapshot` as a Lambda: the same parse → engine → render path. */
export async function handler(event: SnapshotEvent): Promise<SnapshotResult> {
  try {
    const e = readObject('event', '', event);
    const userRules = Array.isArray(e.rules) ? e.rules.map((doc, i) => ({ name: `event.rules[${i}]`, doc })) : [];
    const rules = buildRules([...(await readDefaultRuleDocuments()), ...userRules]);
    const portfolio = parsePortfolio(e.portfolio, rules, 'event.portfolio');
    const market = parseMarketSnapshot(e.market, 'event.market');
    return { ok: true, snapshot: renderSnapshotJson(calculateAccountSnapshot(portfolio, market, rules)) };
  } catch (err) {
    if (isInputError(err)) return { ok: false, error: err.message };
    throw err;
  }
}
