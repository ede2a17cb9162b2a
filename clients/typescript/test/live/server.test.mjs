// The client against a running Herald: HERALD_URL and HERALD_API_KEY (an admin key) name it; scripts/lib/ts-client.sh
// starts one. Each run uses fresh idempotency keys and recipients, so it can run again against the same server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { createHeraldClient, HeraldApiError } from '../../dist/index.js';

const baseUrl = process.env.HERALD_URL;
const apiKey = process.env.HERALD_API_KEY;
assert.ok(baseUrl && apiKey, 'set HERALD_URL and HERALD_API_KEY to a running Herald server and its admin key');
const herald = createHeraldClient({ baseUrl, apiKey });
const run = randomUUID().slice(0, 8);
const eventType = `ts.client.${run}`;

// A send needs a published template for its event type: made here with the raw typed client.
before(async () => {
  const created = await herald.POST('/api/v1/templates', {
    body: { template_id: eventType, variables: ['via'], channels: { in_app: { title: 'TypeScript client', body: 'Sent with {{via}}' } } },
  });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const published = await herald.POST('/api/v1/templates/{template_id}/versions/{version}/publish', {
    params: { path: { template_id: eventType, version: 1 } },
  });
  assert.equal(published.response.status, 200, JSON.stringify(published.error));
});

test('sendNotification_ValidSend_AcceptedAndReadableBack', async () => {
  const sent = await herald.sendNotification({ event_type: eventType, recipient_id: `ts-user-${run}`, data: { via: 'typescript' } });
  assert.match(sent.id, /^ntf_/);
  const got = await herald.getNotification(sent.id);
  assert.equal(got.id, sent.id);
  assert.equal(got.event_type, eventType);
  assert.equal(got.recipient_id, `ts-user-${run}`);
});

test('POST_RawTypedClient_Answers202WithAnId', async () => {
  const { data, response } = await herald.POST('/api/v1/notifications', {
    body: { event_type: eventType, recipient_id: `ts-raw-${run}`, data: { via: 'the raw client' } },
  });
  assert.equal(response.status, 202);
  assert.ok(data && 'id' in data && data.id.startsWith('ntf_'));
});

test('sendNotification_SameIdempotencyKeyTwice_SameNotification', async () => {
  const idempotencyKey = `ts-${run}-once`;
  const body = { event_type: eventType, recipient_id: `ts-user-${run}`, data: { via: 'one key, twice' } };
  const first = await herald.sendNotification(body, { idempotencyKey });
  const second = await herald.sendNotification(body, { idempotencyKey });
  assert.equal(second.id, first.id);
});

test('sendNotification_InvalidBody_ThrowsHeraldApiErrorWithProblemFields', async () => {
  const error = await herald.sendNotification({ event_type: '', recipient_id: `ts-user-${run}` }).catch((e) => e);
  assert.ok(error instanceof HeraldApiError, `expected a HeraldApiError, got ${error}`);
  assert.ok(error.status === 400 || error.status === 422, `status ${error.status}`);
  assert.match(error.type, /^https:\/\/herald\.dev\/problems\//);
  assert.ok(error.title.length > 0);
  assert.ok(Object.keys(error.errors).length > 0, `no field errors in ${JSON.stringify(error.problem)}`);
});

test('getNotification_UnknownId_ThrowsNotFoundProblem', async () => {
  const error = await herald.getNotification(`ntf_missing${run}`).catch((e) => e);
  assert.ok(error instanceof HeraldApiError);
  assert.equal(error.status, 404);
});

test('sendNotification_MissingTemplateVariable_Throws422Problem', async () => {
  const error = await herald.sendNotification({ event_type: eventType, recipient_id: `ts-user-${run}`, data: {} }).catch((e) => e);
  assert.ok(error instanceof HeraldApiError, `expected a HeraldApiError, got ${error}`);
  assert.equal(error.status, 422);
  assert.ok('data.via' in error.errors, `no data.via in ${JSON.stringify(error.errors)}`);
});
