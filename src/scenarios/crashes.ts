/**
 * The shapes of three known crashes as drawdown profiles of BTC: its price (BTCUSDT on Binance,
 * USD) at hours after the profile's start, linearly interpolated, held at the last level after
 * the end. The levels are APPROXIMATE: reconstructed from the published daily open / high / low /
 * close of those days and the widely reported times of the intraday lows, rounded; they give the
 * depth, the speed and the rebound of each crash, not its tick-by-tick path. A scenario applies the
 * profile's returns (level / first level − 1) to the base history's own prices from `at` on.
 *
 * Alt betas, the perpetuals' discount at the bottom and the notes are part of each profile's
 * documented defaults (docs/scenarios.md); every one can be overridden by a parameter.
 */
export interface CrashProfile {
  name: string;
  title: string;
  /** When the real crash began (the profile's hour 0), for the documentation. */
  originalStart: string;
  /** [hours after start, BTC level]; hours ascending, starting at 0. */
  levels: readonly (readonly [hours: number, level: number])[];
  /** Default beta of the other non-stablecoin assets against BTC's simple return. */
  altBeta: number;
  /** Default per-asset betas, `ASSET=BETA,…`. */
  betas: string;
  /** Default premium of the marks over the index at the deepest point (−0.01 = 1 % discount). */
  basisAtBottom: number;
  notes: string;
}

export const CRASH_PROFILES: readonly CrashProfile[] = [
  {
    name: 'crash-2020-03-12',
    title: '"Black Thursday", 12–13 March 2020',
    originalStart: '2020-03-12T00:00:00Z',
    // Daily candles: 12 Mar O 7,935 L 4,410 C 4,800; 13 Mar L 3,622 (≈02:15 UTC) C 5,579.
    levels: [
      [0, 7935], [6, 7850], [9, 7450], [11, 6650], [13, 6000], [15, 5700], [18, 5900], [21, 5650], [23, 4410],
      [24, 4800], [25, 4500], [26.25, 3622], [27, 4300], [28, 5000], [34, 5500], [40, 5900], [48, 5579],
    ],
    altBeta: 1.1,
    betas: '',
    basisAtBottom: -0.01,
    notes: 'two legs down over 26 h (−44 % by the first day’s low, −54 % at the bottom), then half of the fall back within 14 h; ETH and other alts fell a little deeper than BTC',
  },
  {
    name: 'crash-2021-05-19',
    title: 'the 19 May 2021 crash',
    originalStart: '2021-05-19T00:00:00Z',
    // Daily candle: O 42,945 L 30,000 (≈13:30–14:15 UTC) C 36,700.
    levels: [
      [0, 42945], [4, 41500], [8, 39500], [11, 38300], [12.5, 36000], [13.5, 31500], [14.25, 30000], [15, 35000],
      [16, 39000], [19, 38000], [22, 37500], [24, 36700],
    ],
    altBeta: 1.4,
    betas: '',
    basisAtBottom: -0.01,
    notes: 'a slow morning slide, then −22 % in about three hours (−30 % from the day’s open at the bottom) and a sharp rebound; ETH fell about 1.4× as far as BTC',
  },
  {
    name: 'crash-2022-11',
    title: 'the FTX collapse, 6–14 November 2022',
    originalStart: '2022-11-06T00:00:00Z',
    // Daily closes: 6 Nov 20,900; 7 Nov 20,590; 8 Nov L 17,170 C 18,540; 9 Nov L 15,590 C 15,880;
    // 10 Nov C 17,590; 11 Nov 17,060; 12 Nov 16,810; 13 Nov 16,330; 14 Nov 16,620.
    levels: [
      [0, 21300], [24, 20900], [48, 20590], [60, 20000], [64, 20650], [68, 18300], [70, 17170], [72, 18540],
      [84, 17900], [92, 16800], [94, 15590], [96, 15880], [109, 16500], [112, 17800], [120, 17590],
      [144, 17060], [168, 16810], [192, 16330], [204, 16620],
    ],
    altBeta: 1.2,
    betas: 'SOL=2.5',
    basisAtBottom: -0.003,
    notes: 'a week-long slide in two waves (−19 % on day 3, −27 % at the day-4 low), a one-day relief rally and a grind lower; FTX-linked SOL fell about 2.5× as far as BTC',
  },
];

/** The profile's return from its start (level / first − 1) at `hours` after it; the last level after the end. */
export function calculateProfileReturn(p: CrashProfile, hours: number): number {
  const lv = p.levels;
  const first = lv[0]![1];
  if (hours <= 0) return 0;
  for (let i = 1; i < lv.length; i++) {
    const [h1, v1] = lv[i]!;
    if (hours <= h1) {
      const [h0, v0] = lv[i - 1]!;
      return (v0 + ((v1 - v0) * (hours - h0)) / (h1 - h0)) / first - 1;
    }
  }
  return lv[lv.length - 1]![1] / first - 1;
}

/** The deepest point of a profile: its return and when (hours after start). */
export function findProfileBottom(p: CrashProfile): { hours: number; ret: number } {
  let best = { hours: 0, ret: 0 };
  for (const [h, v] of p.levels) {
    const ret = v / p.levels[0]![1] - 1;
    if (ret < best.ret) best = { hours: h, ret };
  }
  return best;
}

export function findProfileHours(p: CrashProfile): number {
  return p.levels[p.levels.length - 1]![0];
}
