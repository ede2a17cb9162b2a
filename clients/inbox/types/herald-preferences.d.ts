// Type declarations for <herald-preferences> (src/Herald.Server/Ui/inbox/herald-preferences.js, the file herald-server
// serves under /inbox/). Importing the module defines the element; it exports no value, so these are types only. Kept by
// hand: when the component gains an attribute, a property, an event or a text, add it here too.

/** The texts <herald-preferences> shows; {name} placeholders are filled in. Give any subset through `strings`. */
export interface HeraldPreferencesStrings {
  heading: string;
  intro: string;
  eventColumn: string;
  digestColumn: string;
  /** Has {channel} and {event}. */
  toggle: string;
  /** Has {event}. */
  digest: string;
  'channel:email': string;
  'channel:push': string;
  'channel:sms': string;
  'channel:in_app': string;
  'channel:webhook': string;
  quietHours: string;
  quietEnabled: string;
  quietStart: string;
  quietEnd: string;
  quietTimezone: string;
  save: string;
  loading: string;
  saving: string;
  saved: string;
  /** Has {detail}. */
  failed: string;
  /** Has {detail}. */
  unavailable: string;
  missing: string;
  /** The label of an event type ("event:order.shipped"); the event type itself when absent. */
  [eventLabel: `event:${string}`]: string;
  /** The label of a channel ("channel:in_app"); the channel itself when absent. */
  [channelLabel: `channel:${string}`]: string;
}

/** One preference rule, as the API's PreferenceRuleDto. */
export interface HeraldPreferenceRule {
  event_type?: string | null;
  channel?: string | null;
  enabled?: boolean | null;
  quiet_hours?: { start: string; end: string; timezone: string } | null;
  frequency_cap?: number | null;
  send_window?: Record<string, unknown> | null;
  digest?: boolean | null;
}

/** The element's data-state attribute. */
export type HeraldPreferencesState = 'loading' | 'ready' | 'saving' | 'saved' | 'error';

export interface HeraldPreferencesEventMap extends HTMLElementEventMap {
  /** The preferences were saved; the rules as Herald now holds them. */
  'herald-saved': CustomEvent<{ rules: HeraldPreferenceRule[] }>;
}

/**
 * `<herald-preferences user="u_123" token="SUBSCRIBER_TOKEN" event-types="order.shipped comment.created">`: the user's
 * notification preferences (one switch per event type and channel, quiet hours, digests), saved with the subscriber token.
 * Attributes: `user`, `token`, `server` (as for <herald-inbox>), `event-types` and `channels` (space- or comma-separated;
 * channels default to "email push sms in_app"), `strings` (JSON of {@link HeraldPreferencesStrings}), `theme`
 * (`light` | `dark`). Reflected state: `data-state` ({@link HeraldPreferencesState}).
 */
export interface HeraldPreferencesElement extends HTMLElement {
  readonly server: string;
  readonly user: string;
  readonly token: string;
  /** The `event-types` attribute as a list, without repeats. */
  readonly eventTypes: string[];
  /** The `channels` attribute as a list, without repeats. */
  readonly channels: string[];
  /** The rules as last loaded or saved. */
  readonly rules: HeraldPreferenceRule[];
  /** Every text in use: the defaults overlaid with the `strings` attribute, then with what was set here. */
  get strings(): HeraldPreferencesStrings;
  set strings(value: Partial<HeraldPreferencesStrings> | null);

  addEventListener<K extends keyof HeraldPreferencesEventMap>(type: K, listener: (this: HeraldPreferencesElement, event: HeraldPreferencesEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof HeraldPreferencesEventMap>(type: K, listener: (this: HeraldPreferencesElement, event: HeraldPreferencesEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'herald-preferences': HeraldPreferencesElement;
  }
}
