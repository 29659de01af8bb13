import type { Rules } from '../../src/domain/types.js';
import { parseMarketSnapshot } from '../../src/io/json/market.js';
import { parsePortfolio } from '../../src/io/json/portfolio.js';

export const portfolioOf = (doc: Record<string, unknown>, rules: Rules) => parsePortfolio({ version: 1, id: 'test', ...doc }, rules);
export const marketOf = (indexPrices: Record<string, string>, markPrices: Record<string, string> = {}) => parseMarketSnapshot({ indexPrices, markPrices });
