import createClient, { type Client } from 'openapi-fetch';
import { HeraldApiError } from './errors.js';
import { retryDelay, sleep, type RetryOptions } from './retry.js';
import type { components, operations, paths } from './schema.js';

export { HeraldApiError, type HeraldProblem } from './errors.js';
export { parseRetryAfter, type RetryOptions } from './retry.js';
export type { components, operations, paths } from './schema.js';

export type SendRequest = components['schemas']['SendRequest'];
export type AcceptedResponse = components['schemas']['AcceptedResponse'];
export type TopicSendAcceptedResponse = components['schemas']['TopicSendAcceptedResponse'];
export type NotificationResponse = components['schemas']['NotificationResponse'];

export interface HeraldClientOptions {
  /** Where Herald answers, e.g. https://herald.example.com (no /api/v1). */
  baseUrl: string;
  /** An API key (hk_…), sent as 'Authorization: Bearer <key>'. */
  apiKey: string;
  /** A fetch in place of the global one. */
  fetch?: (input: Request) => Promise<Response>;
  /** How sendNotification retries a 503 or 429. */
  retry?: RetryOptions;
}

export interface SendOptions {
  /** The Idempotency-Key; the body's idempotency_key, or a new random UUID, when not given. Retries reuse it. */
  idempotencyKey?: string;
}

export interface HeraldClient extends Client<paths> {
  /** POST /api/v1/notifications with an Idempotency-Key, retrying 503/429 (honouring Retry-After, bounded); throws HeraldApiError. */
  sendNotification(body: SendRequest, options?: SendOptions): Promise<AcceptedResponse | TopicSendAcceptedResponse>;
  /** GET /api/v1/notifications/{id}: the notification with its deliveries; throws HeraldApiError. */
  getNotification(id: string): Promise<NotificationResponse>;
}

/** The typed openapi-fetch client for Herald's API (GET, POST, … on every path of docs/openapi.json) plus helpers. */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const retry = {
    attempts: Math.max(1, options.retry?.attempts ?? 3),
    maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    baseDelayMs: options.retry?.baseDelayMs ?? 1_000,
  };
  const wait = options.retry?.sleep ?? sleep;

  async function sendNotification(body: SendRequest, send: SendOptions = {}) {
    const idempotencyKey = send.idempotencyKey ?? body.idempotency_key ?? crypto.randomUUID();
    for (let attempt = 1; ; attempt++) {
      const { data, error, response } = await client.POST('/api/v1/notifications', {
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      if (data !== undefined) return data;
      const delay = retryDelay(response, attempt, retry);
      if (delay === undefined) throw HeraldApiError.from(response, error);
      await wait(delay);
    }
  }

  async function getNotification(id: string): Promise<NotificationResponse> {
    const { data, error, response } = await client.GET('/api/v1/notifications/{id}', { params: { path: { id } } });
    if (data === undefined) throw HeraldApiError.from(response, error);
    return data;
  }

  return Object.assign(client, { sendNotification, getNotification });
}
