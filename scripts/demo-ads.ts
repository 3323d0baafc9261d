// The demo's ads connection (`npm start`, docs/ads.md): Google Ads ad groups, one per SKU, in the
// ads simulator the MARKETPLACES binding routes googleads.googleapis.com to. They follow ebay-uk,
// the demo channel that sells out most (two warehouses, half their stock, ended at 3 units):
// stock signals (docs/signals.md) pause an ad group when its SKU's listing there ends and resume it
// when it is back, so the simulator's listing shows what the automation did.

export const DEMO_ADS = {
  name: 'demo-google',
  channel: 'ebay-uk',
  customerId: '9990001234',
} as const;

/** The demo's ad group of the SKU at `index` in the catalog (sorted by code). */
export const adGroupId = (index: number) => String(8_000_000 + index);

type Call = (
  method: string,
  route: string,
  body?: string,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

const check = (what: string, res: { status: number; body: unknown }) => {
  if (res.status !== 200) {
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
};

/** Where the simulator shows the demo's ad groups, their status and time served sold out. */
export const adsListingUrl = (simulators: string) =>
  `${simulators}/_sim/google_ads/listing?account=${DEMO_ADS.customerId}`;

/** Connects (or reconnects) the demo's ads and maps every SKU to its ad group; repeatable. */
export const connectDemoAds = async (o: {
  call: Call;
  skus: readonly string[];
  log: (line: string) => void;
}): Promise<void> => {
  const route = `/v1/ads/${DEMO_ADS.name}`;
  const connection = {
    kind: 'google_ads',
    channel: DEMO_ADS.channel,
    settings: { customerId: DEMO_ADS.customerId },
    credentials: {
      clientId: 'stockmesh-demo.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-stockmesh-demo',
      refreshToken: '1//stockmesh-demo-refresh',
      developerToken: 'stockmesh-demo-developer-token',
    },
  };
  check('connecting the demo ads', await o.call('PUT', route, JSON.stringify(connection)));
  const lines = o.skus.map((sku, i) =>
    JSON.stringify({ sku, level: 'ad_group', id: adGroupId(i) }),
  );
  const res = await o.call('POST', `${route}/mappings/import`, lines.join('\n'), {
    'content-type': 'application/x-ndjson',
  });
  check('importing the demo ad groups', res);
  o.log(
    `${DEMO_ADS.name} → simulated Google Ads (${DEMO_ADS.customerId}): ${o.skus.length} ad groups follow ${DEMO_ADS.channel}`,
  );
};
