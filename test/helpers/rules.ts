import type { Rules } from '../../src/domain/types.js';
import { buildRules, type RuleDocument } from '../../src/rules/build.js';
import { readDefaultRuleDocuments } from '../../src/io/rules-files.js';

/** The program parameters alone (thresholds, loan MMR, fees) plus the given tables. */
export function makeRules(doc: Record<string, unknown>): Rules {
  return buildRules([PROGRAM, { name: 'test-rules', doc: { version: 1, ...doc } }]);
}

export const PROGRAM: RuleDocument = {
  name: 'test-program',
  doc: {
    version: 1,
    quoteAssets: ['USDT', 'USDC', 'BTC'],
    loanMaintMarginRatio: { 3: '0.10', 5: '0.08', 10: '0.05' },
    defaultMarginLeverage: 3,
    thresholds: { marginCall: '1.5', reduceOnly: '1.2', liquidation: '1.05' },
    liquidationFee: { default: '0.0125', crossMargin: '0.02' },
  },
};

export async function loadDefaultRules(extra: RuleDocument[] = []): Promise<Rules> {
  return buildRules([...(await readDefaultRuleDocuments()), ...extra]);
}

/** One flat-MMR bracket reaching far past any test notional. */
export const flatUm = (mmr: string) => [{ bracket: 1, notionalFloor: 0, notionalCap: 1e15, maintMarginRatio: mmr }];
export const flatCm = (mmr: string) => [{ bracket: 1, qtyFloor: 0, qtyCap: 1e12, maintMarginRatio: mmr }];
