import { InputError } from '../../domain/errors.js';

/** What the downloader needs from the outside world: injected, so tests run on a fake clock. */
export interface HttpDeps {
  fetch: (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per request; a slower answer counts as a network error. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 60_000 };

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Binance asks clients to back off on these: 429 (over a limit), 418 (IP banned for a while), and server errors. */
const isRetryable = (status: number) => status === 418 || status === 429 || status >= 500;

/** The Retry-After header in ms (Binance sends seconds), when present and sane. */
function retryAfterMs(res: Response): number | undefined {
  const text = res.headers.get('retry-after');
  if (text === null || !/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
  return Number(text) * 1000;
}

/** A failed request's one-line description: status and Binance's {code, msg} when the body has them. */
export async function describeFailure(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const { code, msg } = JSON.parse(body) as { code?: unknown; msg?: unknown };
    if (code !== undefined || msg !== undefined) return `HTTP ${res.status} {"code":${JSON.stringify(code)},"msg":${JSON.stringify(msg)}}`;
  } catch {
    // not JSON: the status alone
  }
  return `HTTP ${res.status}${body.length > 0 && body.length <= 200 ? ` ${body.replace(/\s+/g, ' ').trim()}` : ''}`;
}

/**
 * GET with retries: network errors, timeouts, 418, 429 and 5xx are retried after Retry-After when
 * the server sends it, else after an exponential backoff; any other answer (2xx, 404, other 4xx)
 * is returned for the caller to judge. Gives up with an error naming the URL.
 */
export async function getWithRetry(deps: HttpDeps, url: string, policy: RetryPolicy = DEFAULT_RETRY, onAttempt?: (res: Response) => void): Promise<Response> {
  let last = '';
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    let wait = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    try {
      const res = await deps.fetch(url, { signal: AbortSignal.timeout(policy.timeoutMs) });
      onAttempt?.(res);
      // The body is read here so that a connection lost mid-body is retried like one lost before it.
      if (!isRetryable(res.status)) return new Response(NULL_BODY_STATUSES.has(res.status) ? null : await res.arrayBuffer(), { status: res.status, headers: res.headers });
      last = await describeFailure(res);
      wait = retryAfterMs(res) ?? wait;
    } catch (e) {
      last = describeNetworkError(e);
    }
    if (attempt + 1 < policy.attempts) await deps.sleep(wait);
  }
  throw new InputError(url, '', 'a response', `${last} after ${policy.attempts} attempts`);
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * A request-weight budget for one host: Binance limits each IP to a weight per minute (docs/cli.md
 * "pmbt fetch": 2400 on fapi and dapi). Requests wait for the next minute once this one's budget
 * is spent, and the server's own count (X-MBX-USED-WEIGHT-1M) replaces ours when it is higher.
 */
export class WeightBudget {
  private window = -1;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
  ) {}

  /** Waits until `weight` fits in the current window, then counts it. */
  async take(weight: number, deps: Pick<HttpDeps, 'now' | 'sleep'>): Promise<void> {
    for (;;) {
      const now = deps.now();
      const window = Math.floor(now / this.windowMs);
      if (window !== this.window) {
        this.window = window;
        this.used = 0;
      }
      if (this.used + weight <= this.limit || this.used === 0) {
        this.used += weight;
        return;
      }
      await deps.sleep((window + 1) * this.windowMs - now + 100);
    }
  }

  /** The server's count for the current window, from the X-MBX-USED-WEIGHT-1M header. */
  observe(res: Response, deps: Pick<HttpDeps, 'now'>): void {
    const header = res.headers.get('x-mbx-used-weight-1m');
    if (header === null || !/^\d+$/.test(header)) return;
    const window = Math.floor(deps.now() / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    this.used = Math.max(this.used, Number(header));
  }

  get usedWeight(): number {
    return this.used;
  }
}
