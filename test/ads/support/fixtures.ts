import type {
  AdsItem,
  AnyAdsAdapter,
  HttpRequest,
  HttpResponse,
} from '../../../objects/ads/adapter';
import { googleAds } from '../../../objects/ads/adapters/google-ads';
import { merchant } from '../../../objects/ads/adapters/merchant';
import { meta } from '../../../objects/ads/adapters/meta';
import { GoogleAdsCustomer } from '../../../simulators/ads/google-ads';
import { MerchantAccount } from '../../../simulators/ads/merchant';
import { MetaAdAccount } from '../../../simulators/ads/meta';
import { tokenEndpoint } from '../../../simulators/ads/oauth';
import type { SimAccount } from '../../../simulators/shared/sim-http';

// Every ads adapter with its simulator, run in-process on a virtual clock: the contract suite
// (contract.test.ts) runs the same cases against each.

export type Sim = Omit<SimAccount, 'listing'> & {
  listing(now: number): {
    entities: { entity: string; status: string; changes: number; writes: number }[];
    totals: Record<string, number>;
  };
};

export type Fixture = {
  kind: string;
  adapter: AnyAdsAdapter;
  settings: unknown;
  credentials: unknown;
  /** The mapping of the i-th test entity; `missing` names one the API does not know. */
  mapping(i: number, missing?: boolean): Record<string, unknown>;
  sim(now: number): Sim;
  /** The status words the simulator shows for paused and serving. */
  words: { paused: string; serving: string };
  /** What an expired access token makes the adapter ask for. */
  expired: 'refreshToken' | 'credentials_invalid';
};

const GOOGLE_OAUTH = {
  clientId: 'stockmesh-test.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-test',
  refreshToken: '1//stockmesh-test-refresh',
};

export const fixtures: Fixture[] = [
  {
    kind: 'google_ads',
    adapter: googleAds,
    settings: googleAds.Settings.parse({ customerId: '1234567890', loginCustomerId: '9876543210' }),
    credentials: googleAds.Credentials.parse({
      ...GOOGLE_OAUTH,
      developerToken: 'dev-token-0123456789',
    }),
    mapping: (i, missing) => ({
      level: 'ad_group',
      id: `${missing ? '404' : '7'}${String(i).padStart(6, '0')}`,
    }),
    sim: (now) => new GoogleAdsCustomer('1234567890', now),
    words: { paused: 'PAUSED', serving: 'ENABLED' },
    expired: 'refreshToken',
  },
  {
    kind: 'merchant',
    adapter: merchant,
    settings: merchant.Settings.parse({
      account: '5550001',
      dataSource: '880001',
      feedLabel: 'GB',
    }),
    credentials: merchant.Credentials.parse(GOOGLE_OAUTH),
    mapping: (i, missing) => ({ offerId: `${missing ? '404' : 'OFFER'}/${i}~x` }),
    sim: (now) => new MerchantAccount('5550001', now),
    words: { paused: 'OUT_OF_STOCK', serving: 'IN_STOCK' },
    expired: 'refreshToken',
  },
  {
    kind: 'meta',
    adapter: meta,
    settings: meta.Settings.parse({ adAccountId: 'act_1234567890' }),
    credentials: meta.Credentials.parse({ accessToken: 'EAAstockmeshcontracttoken' }),
    mapping: (i, missing) => ({
      level: 'adset',
      id: `${missing ? '404' : '2385'}${String(i).padStart(6, '0')}`,
    }),
    sim: (now) => new MetaAdAccount('contract', now),
    words: { paused: 'PAUSED', serving: 'ACTIVE' },
    expired: 'credentials_invalid',
  },
];

export const itemsOf = (fx: Fixture, n: number, target: AdsItem['target'], from = 0): AdsItem[] =>
  Array.from({ length: n }, (_, k) => {
    const external = fx.adapter.Mapping.parse(fx.mapping(from + k));
    return { entity: fx.adapter.entityOf(external, fx.settings), external, target };
  });

/** Sends a request to the simulator (or the OAuth endpoint) at a virtual time. */
export const sendTo = async (sim: Sim, req: HttpRequest, now: number): Promise<HttpResponse> => {
  if (new URL(req.url).hostname === 'oauth2.googleapis.com')
    return tokenEndpoint(req.body ?? '', now);
  return sim.handle(
    { method: req.method, url: req.url, headers: req.headers, body: req.body ?? '' },
    now,
  );
};

/** An access token for the fixture at `now`, when its adapter needs one. */
export const tokenFor = async (fx: Fixture, sim: Sim, now: number): Promise<string | undefined> => {
  if (fx.adapter.token === undefined) return undefined;
  const t = fx.adapter.token({ settings: fx.settings, credentials: fx.credentials, now });
  const parsed = t.parse(await sendTo(sim, t.request, now));
  if ('error' in parsed) throw new Error(parsed.error.message);
  return parsed.token;
};
