// The keys the simulated actors use (a storefront, a warehouse, one connector per marketplace)
// and the viewer key of the wall's sign-in link. Created once with the admin key and kept beside
// the local state they belong to (.wrangler/state), so restarts reuse them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEMO_CHANNELS, DEMO_LOCATIONS } from './demo-catalog.ts';
import { simulatorApi } from './simulate-api.ts';

export const ActorKeys = z.object({
  viewer: z.string(),
  storefront: z.string(),
  warehouse: z.string(),
  /** Connector keys by channel. */
  connectors: z.record(z.string(), z.string()),
});
export type ActorKeys = z.infer<typeof ActorKeys>;

/** Marketplaces whose connector the simulator plays (their lag shows on the wall). */
export const SIMULATED_CONNECTORS = ['amazon-eu', 'ebay-uk'];

/** Does the gateway still accept this key? (A wiped state forgets every key.) */
const accepted = async (baseUrl: string, key: string) => {
  const res = await fetch(`${baseUrl}/v1/stream/info`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(30_000),
  });
  await res.body?.cancel();
  return res.ok;
};

/** The actors' keys: the ones kept in `file` if the gateway still accepts them, else new ones. */
export const actorKeys = async (
  baseUrl: string,
  adminKey: string,
  file: string,
): Promise<ActorKeys> => {
  if (existsSync(file)) {
    const kept = ActorKeys.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (kept.success && (await accepted(baseUrl, kept.data.viewer))) return kept.data;
  }
  const api = simulatorApi(baseUrl, adminKey);
  const make = async (name: string, role: string, scope = {}) =>
    (await api.createKey({ name, role, ...scope })).key;
  const keys: ActorKeys = {
    viewer: await make('stock wall (local)', 'viewer'),
    storefront: await make('simulated storefronts', 'storefront', {
      channels: DEMO_CHANNELS.map((c) => c.code),
    }),
    warehouse: await make('simulated warehouses', 'warehouse', {
      locations: DEMO_LOCATIONS.map((l) => l.code),
    }),
    connectors: {},
  };
  for (const channel of SIMULATED_CONNECTORS) {
    keys.connectors[channel] = await make(`${channel} connector (simulated)`, 'connector', {
      channels: [channel],
    });
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
};
