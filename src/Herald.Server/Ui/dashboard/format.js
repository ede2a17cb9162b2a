// Values as the dashboard shows them. Pure functions of their argument.

/** A timestamp in the reader's locale and time zone ('—' when absent). */
export const when = (iso) => iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';

/** A timestamp in UTC to the millisecond, for timelines ('' when absent). */
export const clock = (iso) => iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 23) + 'Z' : '';

export const pct = (x) => x === null || x === undefined || Number.isNaN(x) ? '—' : (x * 100).toFixed(1) + ' %';

export const ms = (x) => x === null || x === undefined ? '—' : x < 1000 ? Math.round(x) + ' ms' : (x / 1000).toFixed(2) + ' s';

/** An RFC 3339 timestamp as a datetime-local input's value in the reader's time zone ('' when not a time). */
export function localInput(iso) {
  const d = new Date(iso || '');
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}
