// Compiled with `tsc --noEmit` (npm test): the declarations must type a plain use of both elements through the package's
// own exports map, and must reject the wrong uses marked @ts-expect-error.
import '@herald/inbox';
import type { HeraldFeedItem, HeraldInboxElement, HeraldInboxStrings, HeraldPreferenceRule, HeraldPreferencesElement } from '@herald/inbox';
import '@herald/inbox/herald-inbox.js';

const inbox: HeraldInboxElement = document.createElement('herald-inbox');
inbox.setAttribute('user', 'u_123');
inbox.strings = { heading: 'Benachrichtigungen', bellUnread: '{count} ungelesen' };
const heading: string = inbox.strings.heading;
inbox.addEventListener('herald-unread', (e) => {
  const count: number = e.detail.unread;
  console.log(count, heading);
});
inbox.addEventListener('herald-notification', (e) => {
  const item: HeraldFeedItem = e.detail;
  console.log(item.seq, item.title ?? item.event_type, item.read);
});
inbox.addEventListener('herald-token-expired', (e) => console.log(e.detail.user));
// @ts-expect-error: not a text of the inbox
inbox.strings = { headline: 'x' };
// @ts-expect-error: the unread count is a number
inbox.addEventListener('herald-unread', (e) => e.detail.unread.toUpperCase());
// @ts-expect-error: user is read from the attribute
inbox.user = 'u_456';

const prefs = document.querySelector('herald-preferences');
if (prefs) {
  const typed: HeraldPreferencesElement = prefs;
  typed.strings = { 'event:order.shipped': 'Order shipped', 'channel:sms': 'Text message', save: 'Save' };
  const channels: string[] = typed.channels;
  typed.addEventListener('herald-saved', (e) => {
    const rules: HeraldPreferenceRule[] = e.detail.rules;
    console.log(rules.length, channels);
  });
  // @ts-expect-error: labels are strings
  typed.strings = { 'event:order.shipped': 1 };
}

const partial: Partial<HeraldInboxStrings> = { empty: 'Nothing new.' };
console.log(partial);
