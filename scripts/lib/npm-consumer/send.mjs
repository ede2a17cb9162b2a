// One notification through the installed @herald/client to the server at HERALD_URL (HERALD_API_KEY: an admin key): a
// template of its own, published, then the send, read back by its id. Prints "<id> <status>"; throws on any mismatch.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createHeraldClient } from '@herald/client';

const herald = createHeraldClient({ baseUrl: process.env.HERALD_URL, apiKey: process.env.HERALD_API_KEY });
const eventType = `npm.package.${randomUUID().slice(0, 8)}`;

const created = await herald.POST('/api/v1/templates', {
  body: { template_id: eventType, variables: ['via'], channels: { in_app: { title: 'npm package', body: 'Sent with {{via}}' } } },
});
assert.equal(created.response.status, 201, JSON.stringify(created.error));
const published = await herald.POST('/api/v1/templates/{template_id}/versions/{version}/publish', {
  params: { path: { template_id: eventType, version: 1 } },
});
assert.equal(published.response.status, 200, JSON.stringify(published.error));

const sent = await herald.sendNotification({ event_type: eventType, recipient_id: 'npm-user', data: { via: 'the npm package' } });
assert.match(sent.id, /^ntf_/);
const got = await herald.getNotification(sent.id);
assert.equal(got.id, sent.id);
assert.equal(got.event_type, eventType);
console.log(`${sent.id} ${sent.status}`);
