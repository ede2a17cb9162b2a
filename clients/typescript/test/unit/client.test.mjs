// The client's own behaviour against a scripted fetch: retries, the Idempotency-Key, and the errors it throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHeraldClient, HeraldApiError, parseRetryAfter } from '../../dist/index.js';

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
const problem = (status, extra = {}) => ({ type: `https://herald.dev/problems/test-${status}`, title: `Status ${status}`, status, ...extra });

/** A client whose fetch answers from `answers` in turn, recording each request and each wait. */
function scripted(answers, retry = {}) {
  const requests = [];
  const waits = [];
  const client = createHeraldClient({
    baseUrl: 'http://herald.test/',
    apiKey: 'hk_test',
    fetch: async (request) => {
      requests.push(request);
      const next = answers.shift();
      assert.ok(next, 'more requests than scripted answers');
      return next();
    },
    retry: { sleep: async (ms) => { waits.push(ms); }, ...retry },
  });
  return { client, requests, waits };
}

test('sendNotification_Accepted_SendsKeyAndBearer', async () => {
  const { client, requests } = scripted([() => json(202, { id: 'ntf_1', status: 'accepted' })]);
  const sent = await client.sendNotification({ event_type: 'order.shipped', recipient_id: 'u1' }, { idempotencyKey: 'k-1' });
  assert.deepEqual(sent, { id: 'ntf_1', status: 'accepted' });
  assert.equal(requests[0].url, 'http://herald.test/api/v1/notifications');
  assert.equal(requests[0].headers.get('Idempotency-Key'), 'k-1');
  assert.equal(requests[0].headers.get('Authorization'), 'Bearer hk_test');
});

test('sendNotification_NoKeyGiven_GeneratesOneAndReusesItOnRetry', async () => {
  const { client, requests, waits } = scripted([
    () => json(503, problem(503), { 'Retry-After': '2' }),
    () => json(429, problem(429), { 'Retry-After': '1' }),
    () => json(202, { id: 'ntf_2', status: 'accepted' }),
  ]);
  const sent = await client.sendNotification({ event_type: 'order.shipped', recipient_id: 'u1' });
  assert.equal(sent.id, 'ntf_2');
  assert.deepEqual(waits, [2000, 1000]);
  const keys = requests.map((r) => r.headers.get('Idempotency-Key'));
  assert.match(keys[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(new Set(keys).size, 1);
});

test('sendNotification_BodyHasIdempotencyKey_SendsItAsTheHeader', async () => {
  const { client, requests } = scripted([() => json(202, { id: 'ntf_3', status: 'accepted' })]);
  await client.sendNotification({ event_type: 'e', recipient_id: 'u1', idempotency_key: 'from-body' });
  assert.equal(requests[0].headers.get('Idempotency-Key'), 'from-body');
});

test('sendNotification_StillUnavailableAfterAllAttempts_ThrowsTheLastProblem', async () => {
  const { client, requests, waits } = scripted(
    [1, 2, 3].map(() => () => json(503, problem(503, { detail: 'draining' }))),
    { attempts: 3, baseDelayMs: 100 },
  );
  const error = await client.sendNotification({ event_type: 'e', recipient_id: 'u1' }).catch((e) => e);
  assert.ok(error instanceof HeraldApiError);
  assert.equal(error.status, 503);
  assert.equal(error.detail, 'draining');
  assert.equal(requests.length, 3);
  assert.deepEqual(waits, [100, 200]);
});

test('sendNotification_RetryAfterBeyondMaxDelay_DoesNotWait', async () => {
  const { client, requests, waits } = scripted([() => json(429, problem(429), { 'Retry-After': '120' })], { maxDelayMs: 30_000 });
  const error = await client.sendNotification({ event_type: 'e', recipient_id: 'u1' }).catch((e) => e);
  assert.equal(error.status, 429);
  assert.equal(requests.length, 1);
  assert.deepEqual(waits, []);
});

test('sendNotification_ValidationProblem_ThrowsWithoutRetryAndKeepsFields', async () => {
  const { client, requests } = scripted([
    () => json(400, problem(400, { detail: 'bad input', instance: '/api/v1/notifications', errors: { event_type: ['is required'] }, trace_id: 'abc' })),
  ]);
  const error = await client.sendNotification({ event_type: '' }).catch((e) => e);
  assert.ok(error instanceof HeraldApiError);
  assert.equal(requests.length, 1);
  assert.equal(error.type, 'https://herald.dev/problems/test-400');
  assert.equal(error.title, 'Status 400');
  assert.deepEqual(error.errors, { event_type: ['is required'] });
  assert.equal(error.traceId, 'abc');
  assert.equal(error.instance, '/api/v1/notifications');
});

test('getNotification_NotAProblemBody_ThrowsWithTheStatus', async () => {
  const { client } = scripted([() => new Response('upstream down', { status: 502, statusText: 'Bad Gateway' })]);
  const error = await client.getNotification('ntf_x').catch((e) => e);
  assert.ok(error instanceof HeraldApiError);
  assert.equal(error.status, 502);
  assert.equal(error.type, 'about:blank');
  assert.equal(error.title, 'Bad Gateway');
});

test('parseRetryAfter_SecondsOrDate_Milliseconds', () => {
  assert.equal(parseRetryAfter('5'), 5000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});
