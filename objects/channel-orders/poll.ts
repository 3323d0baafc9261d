import type { Fetch } from '../channel-sync/http';
import { sendRequest } from '../channel-sync/http';
import { type PollSettings, parseSearchOrders, searchOrdersUrl } from './amazon';
import type { PollCredentials } from './config';
import type { OrderEvent } from './event';

// One searchOrders poll: an LWA access token from the refresh token, then every page of orders
// updated since the cursor, leaving those updated after `upTo` to their notifications. Throws when Amazon cannot be reached or answers garbage: the cursor
// then stays where it was, and the next poll asks again.

const MAX_PAGES = 20;

export type PollResult = { events: OrderEvent[]; lastUpdated: number | null };

export const pollAmazon = async (
  fetcher: Fetch,
  settings: PollSettings & { lwaUrl?: string | undefined },
  credentials: PollCredentials,
  since: number,
  upTo = Number.POSITIVE_INFINITY,
): Promise<PollResult> => {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: credentials.refreshToken,
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  const tokenRes = await sendRequest(fetcher, {
    method: 'POST',
    url: settings.lwaUrl ?? 'https://api.amazon.com/auth/o2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: form.toString(),
  });
  const token = (() => {
    try {
      const t: unknown = JSON.parse(tokenRes.body);
      return typeof t === 'object' &&
        t !== null &&
        'access_token' in t &&
        typeof t.access_token === 'string'
        ? t.access_token
        : null;
    } catch {
      return null;
    }
  })();
  if (tokenRes.status !== 200 || token === null) throw new Error(`LWA answered ${tokenRes.status}`);
  const events: OrderEvent[] = [];
  let lastUpdated: number | null = null;
  let next: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await sendRequest(fetcher, {
      method: 'GET',
      url: searchOrdersUrl(settings, since, next),
      headers: { 'x-amz-access-token': token, accept: 'application/json' },
    });
    if (res.status !== 200) throw new Error(`searchOrders answered ${res.status}`);
    const parsed = parseSearchOrders(res.body, upTo);
    if (!parsed.ok) throw new Error(`searchOrders: ${parsed.message}`);
    events.push(...parsed.value.events);
    if (parsed.value.lastUpdated !== null)
      lastUpdated = Math.max(lastUpdated ?? 0, parsed.value.lastUpdated);
    next = parsed.value.nextToken;
    if (next === null) break;
  }
  return { events, lastUpdated };
};
