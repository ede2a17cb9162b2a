/** How sendNotification retries a 503 or 429: bounded in tries and in the wait it accepts. */
export interface RetryOptions {
  /** Tries in all, the first included (default 3; 1 turns retrying off). */
  attempts?: number;
  /** The longest wait it honours (default 30 000 ms): a Retry-After beyond it ends the retrying. */
  maxDelayMs?: number;
  /** The wait when the answer has no Retry-After (default 1 000 ms, doubled on each retry). */
  baseDelayMs?: number;
  /** How to wait; for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export const retryableStatuses: ReadonlySet<number> = new Set([429, 503]);

/** Retry-After as milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before try number `attempt + 1`, or undefined when it should not retry. */
export function retryDelay(response: Response, attempt: number, options: Required<Omit<RetryOptions, 'sleep'>>): number | undefined {
  if (!retryableStatuses.has(response.status) || attempt >= options.attempts) return undefined;
  const delay = parseRetryAfter(response.headers.get('Retry-After')) ?? options.baseDelayMs * 2 ** (attempt - 1);
  return delay <= options.maxDelayMs ? delay : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
