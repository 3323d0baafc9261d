import type { SignalEvent, SignalType, WebhookFilter } from '../../protocol/webhooks';

/** What a subscription listens to. */
export type Interest = { events: readonly SignalType[]; filter: WebhookFilter | null };

/**
 * Whether a subscription wants a signal: its type is listed, and every filter the subscription
 * sets admits the signal (a signal without a SKU passes a SKU filter only if it names none).
 */
export const wants = ({ events, filter }: Interest, e: SignalEvent): boolean => {
  if (!events.includes(e.type)) return false;
  if (filter === null) return true;
  const admits = (list: readonly string[] | undefined, value: string | undefined) =>
    list === undefined || (value !== undefined && list.includes(value));
  return (
    admits(filter.skus, e.sku) &&
    admits(filter.locations, e.location) &&
    admits(filter.channels, e.channel)
  );
};

/** The `webhook-id` of one event for one subscription: stable across retries and redeliveries. */
export const messageId = async (subscription: string, eventId: string): Promise<string> => {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${subscription}\u0000${eventId}`),
  );
  const hex = [...new Uint8Array(digest).slice(0, 12)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  return `msg_${hex}`;
};

/** The JSON body of a delivery: Standard Webhooks' `{ type, timestamp, data }`. */
export const deliveryBody = (e: SignalEvent): string =>
  JSON.stringify({
    type: `stock.${e.type}`,
    timestamp: e.at,
    data: {
      id: e.id,
      ...(e.sku !== undefined && { sku: e.sku }),
      ...(e.location !== undefined && { location: e.location }),
      ...(e.channel !== undefined && { channel: e.channel }),
      ...e.data,
    },
  });
