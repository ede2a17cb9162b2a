// Compiled with `tsc --noEmit` (strict) in a project that installed both released tarballs: the declarations the
// packages ship, reached through their exports maps, must type a plain use of each and reject the wrong uses marked
// with `@ts-expect-error`, so a package whose types went missing or became `any` fails here.
import { createHeraldClient, HeraldApiError, type NotificationResponse, type SendRequest } from '@herald/client';
import type { HeraldFeedItem, HeraldInboxElement } from '@herald/inbox';
import '@herald/inbox';

const herald = createHeraldClient({ baseUrl: 'https://herald.example.com', apiKey: 'hk_example' });

export async function sendAndRead(request: SendRequest): Promise<string> {
  try {
    const accepted = await herald.sendNotification(request, { idempotencyKey: 'order-A-1' });
    const notification: NotificationResponse = await herald.getNotification(accepted.id);
    return notification.status;
  } catch (e) {
    if (e instanceof HeraldApiError) return `${e.status} ${e.type}`;
    throw e;
  }
}

await sendAndRead({ event_type: 'order.shipped', recipient_id: 'u1', data: { order: 'A-1' } });
// @ts-expect-error: a send names its event type
await sendAndRead({ recipient_id: 'u1' });
// @ts-expect-error: the raw client knows the API's paths
await herald.GET('/api/v1/no-such-path');

const inbox: HeraldInboxElement = document.createElement('herald-inbox');
inbox.addEventListener('herald-notification', (e) => {
  const item: HeraldFeedItem = e.detail;
  console.log(item.seq, item.title ?? item.event_type);
});
// @ts-expect-error: the unread count is a number
inbox.addEventListener('herald-unread', (e) => e.detail.unread.toUpperCase());
