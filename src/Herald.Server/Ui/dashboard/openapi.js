// What the server's OpenAPI document (/openapi/v1.json) says the dashboard may offer, so the dashboard keeps no copy of
// the server's vocabulary that could drift from it.
import { api } from './api.js';

let statuses = null;

/**
 * The notification statuses GET /api/v1/notifications accepts as ?status=: the enum of that query parameter's schema.
 * Fetched once per page load and shared by every visit to the search. Empty when the document lists none: the filter
 * then offers no status rather than a guessed list. A failed fetch rejects and is tried again on the next call.
 */
export function notificationStatuses() {
  statuses ??= api('/openapi/v1.json').then(statusEnum, (err) => {
    statuses = null;
    throw err;
  });
  return statuses;
}

function statusEnum(document) {
  const operation = document?.paths?.['/api/v1/notifications']?.get;
  const parameter = (operation?.parameters ?? []).map((p) => resolve(document, p)).find((p) => p?.in === 'query' && p?.name === 'status');
  return [...new Set(enumOf(document, parameter?.schema).filter((value) => typeof value === 'string'))];
}

function enumOf(document, node) {
  const schema = resolve(document, node);
  if (Array.isArray(schema?.enum)) return schema.enum;
  // A nullable named schema may come as oneOf/anyOf [{ $ref }, { type: 'null' }].
  return [...(schema?.oneOf ?? []), ...(schema?.anyOf ?? [])].flatMap((member) => enumOf(document, member));
}

/** A node, or the node its local $ref (a JSON pointer such as #/components/schemas/NotificationStatus) points at. */
function resolve(document, node) {
  const ref = node?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  return ref.slice(2).split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~')).reduce((at, part) => at?.[part], document);
}
