// Type declarations for <herald-inbox> (src/Herald.Server/Ui/inbox/herald-inbox.js, the file herald-server serves under
// /inbox/). Importing the module defines the element; it exports no value, so these are types only. Kept by hand: when
// the component gains an attribute, a property, an event or a text, add it here too.

/** The texts <herald-inbox> shows; {name} placeholders are filled in. Give any subset through `strings`. */
export interface HeraldInboxStrings {
  connecting: string;
  live: string;
  reconnecting: string;
  offline: string;
  missing: string;
  heading: string;
  bellNone: string;
  /** Has {count}. */
  bellUnread: string;
  markAll: string;
  empty: string;
  older: string;
  open: string;
  markRead: string;
  /** Has {title}. */
  markReadLabel: string;
  archive: string;
  /** Has {title}. */
  archiveLabel: string;
  read: string;
  unread: string;
}

/** One item of the user's in-app feed (the API's FeedItemResponse). */
export interface HeraldFeedItem {
  seq: number;
  notification_id: string;
  event_type: string;
  title: string | null;
  body: string | null;
  action_url: string | null;
  icon: string | null;
  read: boolean;
  /** ISO 8601. */
  created_at: string;
  read_at: string | null;
}

/** The connection state, also reflected as the element's data-state attribute. */
export type HeraldInboxState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface HeraldInboxEventMap extends HTMLElementEventMap {
  /** The unread count changed. */
  'herald-unread': CustomEvent<{ unread: number }>;
  /** A notification arrived over the live stream. */
  'herald-notification': CustomEvent<HeraldFeedItem>;
  /** Herald refused the subscriber token (401): the user needs a fresh one from your backend. */
  'herald-token-expired': CustomEvent<{ user: string }>;
}

/**
 * `<herald-inbox user="u_123" token="SUBSCRIBER_TOKEN">`: a bell with an unread badge and a panel of the user's feed.
 * Attributes: `user`, `token` (a subscriber token from your backend), `server` (Herald's origin; defaults to the origin
 * the script was loaded from, or the page's when bundled as a module), `strings` (JSON of {@link HeraldInboxStrings}),
 * `lang` (how times are written), `theme` (`light` | `dark`; both follow the system when absent).
 * Reflected state: `data-state` ({@link HeraldInboxState}), `data-unread` (the count).
 */
export interface HeraldInboxElement extends HTMLElement {
  /** The `server` attribute, or the default origin, without a trailing slash. */
  readonly server: string;
  /** The `user` attribute ('' when absent). */
  readonly user: string;
  /** The `token` attribute ('' when absent). */
  readonly token: string;
  /** The number of unread items. */
  readonly unread: number;
  /** Every text in use: the defaults overlaid with the `strings` attribute, then with what was set here. */
  get strings(): HeraldInboxStrings;
  set strings(value: Partial<HeraldInboxStrings> | null);

  addEventListener<K extends keyof HeraldInboxEventMap>(type: K, listener: (this: HeraldInboxElement, event: HeraldInboxEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof HeraldInboxEventMap>(type: K, listener: (this: HeraldInboxElement, event: HeraldInboxEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'herald-inbox': HeraldInboxElement;
  }
}
