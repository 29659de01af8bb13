import type { AccountStatus } from '../../domain/types.js';
import type { PortfolioTopUp, StartDistance as PortfolioStartDistance, WorstMoment } from '../../records/portfolio-summary.js';
import type { JobThresholds } from '../../records/summary.js';
import type { WorstStartRisk } from '../../records/dataset.js';
import type { MovedBlock } from '../../records/moved.js';

/**
 * Everything report.html shows, gathered from a job's outputs (summary.json, timeline.arrow,
 * events.jsonl) with bounded size: a histogram over all portfolios, status counts on a time grid of
 * at most `maxPoints` intervals, and full detail only for the `worstCount` worst portfolios.
 * Numbers for charts are plain floats (rounded to 6 significant digits); amounts shown as text keep
 * the summary's 8-decimal strings.
 */
export interface ReportData {
  version: 1;
  jobId: string;
  job: {
    prices: string;
    portfolios: string;
    rules: string[];
    from: string;
    to: string;
    resolutionMs: number;
    liquidation: { policy: string; slippage: string; target: string };
  };
  window: { from: number; to: number; steps: number };
  thresholds: ReportThresholds;
  /** The replay also evaluated each bar's adverse extreme (summary.json's `intrabar`; false when it does not say). */
  intrabar: boolean;
  totals: {
    portfolios: number;
    ok: number;
    failed: number;
    liquidated: number;
    bankrupt: number;
    worstStatus: Partial<Record<AccountStatus, number>>;
    liquidationFeesUSD: string;
    bankruptcyLossUSD: string;
    /** Portfolios that never had maintenance margin (no uniMMR). */
    noMaintMargin: number;
  };
  /** Histogram of each portfolio's minimum uniMMR; bins are (lower, upper]. */
  distribution: DistributionBin[];
  /** The time grid shared by every timeline chart: interval starts (ms) of `intervalMs` each. */
  grid: { times: number[]; intervalMs: number };
  /** Per grid interval: portfolios that were in each status at some point of it; liquidations and bankruptcies that happened in it. */
  statusOverTime: { marginCall: number[]; reduceOnly: number[]; forceLiquidation: number[]; liquidations: number[]; bankruptcies: number[] };
  worst: WorstPortfolio[];
  /** Every portfolio that reached margin call or worse, worst first (at most `atRiskLimit`). */
  atRisk: AtRiskRow[];
  atRiskTotal: number;
  failures: { index: number; portfolioId: string | null; error: string }[];
  failuresTotal: number;
  inputs: { uri: string; bytes: number; sha256: string; role: string }[];
  rulesSources: string[];
  /** Who moved closer to liquidation since the previous job (summary.json's `moved`); absent without `compare`. */
  moved?: MovedBlock;
}

/** The status thresholds of the bands: those summary.json records (`source` says where they come from), or a caller's override. */
export type ReportThresholds = JobThresholds;

/**
 * How the report reads a finished job's outputs (summary.json, timeline.arrow, events.jsonl), by
 * file name: the caller's store seen narrowly, so the report does no I/O of its own and works the
 * same on local folders and S3.
 */
export interface JobOutputFiles {
  readStream(name: string): AsyncIterable<Uint8Array>;
  exists(name: string): Promise<boolean>;
  /** Where the file lives, for error messages. */
  uriOf(name: string): string;
}

export interface DistributionBin {
  /** null = unbounded. */
  lower: number | null;
  upper: number | null;
  label: string;
  zone: Zone;
  count: number;
}

export type Zone = 'bankrupt' | 'liquidation' | 'reduceOnly' | 'marginCall' | 'normal';

export interface AtRiskRow {
  portfolioId: string;
  minUniMMR: string;
  minUniMMRTime: string | null;
  worstStatus: AccountStatus | null;
  liquidations: number;
  bankrupt: boolean;
  /** Rank among `worst` (0-based) when the report has its drill-down, else null. */
  detail: number | null;
}

export interface ReportEvent {
  time: number;
  type: 'riskLevelChange' | 'liquidation' | 'liquidationCancelled' | 'ordersCancelled' | 'bankruptcy';
  from?: string;
  to?: string;
  /** uniMMR at the event (before a liquidation); null without maintenance margin. */
  uniMMR: number | null;
  /** One line for the events table. */
  text: string;
}

export interface WorstPortfolio {
  portfolioId: string;
  index: number;
  initialUniMMR: string | null;
  minUniMMR: string;
  minUniMMRTime: string | null;
  worstStatus: AccountStatus | null;
  finalStatus: AccountStatus | null;
  liquidations: number;
  liquidationFeesUSD: string;
  bankrupt: boolean;
  bankruptcyLossUSD: string;
  finalAccountEquity: string | null;
  /** Aligned with grid.times; null where the portfolio has no row (or no maintenance margin). */
  uniMMR: (number | null)[];
  accountEquity: (number | null)[];
  actualEquity: (number | null)[];
  maintMargin: (number | null)[];
  events: ReportEvent[];
  /** Events left out to keep the page small (kept: the first ones of each kind). */
  eventsOmitted: number;
  worstMoment: WorstMoment | null;
  /** Distance to the thresholds at the start (the summary line's optional `startDistance`); null when the line has none. */
  startDistance: StartDistance | null;
  /** The top-up to survive the path (the summary line's optional `topUp`); null when the line has none. */
  topUp: TopUp | null;
  /** uniMMR against the shock and the risk matrices at the start market (the worst side file's `startRisk`); null when not computed. */
  startRisk: WorstStartRisk | null;
}

/** The summary line's `startDistance` and `topUp` (docs/risk.md "In a job", "Top-up to survive"). */
export type StartDistance = PortfolioStartDistance;
export type TopUp = PortfolioTopUp;
