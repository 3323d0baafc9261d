import { z } from 'zod';
import type { Adapter, HttpRequest, HttpResponse } from '../adapter';
import { parseJson, retryAll } from './http';
import { shopifyBulk } from './shopify-bulk';
import {
  Envelope,
  graphql,
  MAX_INPUT_ARRAY,
  MUTATION_COST,
  readResponse,
  readThrottle,
  SET_AVAILABLE,
  ShopifyCredentials,
  ShopifySettings,
  withToken,
} from './shopify-graphql';
import {
  chunk,
  mapped,
  SetPayload,
  ShopifyMapping,
  setOutcomes,
  setVariables,
} from './shopify-set';

// Shopify Admin GraphQL: `inventorySetQuantities` of the "available" quantity at the channel's one
// location, 250 quantities a call, compare-and-set on `changeFromQuantity`, `@idempotent` keys
// derived from the attempt. docs/connectors.md#shopify.

/** GraphQL aliases must be names: a SKU travels hex-encoded in its alias. */
const alias = (sku: string) =>
  `s_${Array.from(new TextEncoder().encode(sku), (b) => b.toString(16).padStart(2, '0')).join('')}`;
const unalias = (name: string) =>
  new TextDecoder().decode(
    new Uint8Array((name.slice(2).match(/../g) ?? []).map((h) => Number.parseInt(h, 16))),
  );

const ReadLevel = z
  .object({
    inventoryLevel: z
      .object({ quantities: z.array(z.object({ name: z.string(), quantity: z.number() })) })
      .nullish(),
  })
  .nullish();

const ProbeData = z.object({
  shop: z.object({ name: z.string() }).nullish(),
  location: z.object({ id: z.string(), isActive: z.boolean() }).nullish(),
});

export const shopify: Adapter<
  typeof ShopifySettings,
  typeof ShopifyCredentials,
  typeof ShopifyMapping
> = {
  kind: 'shopify',
  Settings: ShopifySettings,
  Credentials: ShopifyCredentials,
  Mapping: ShopifyMapping,
  maxBatch: () => MAX_INPUT_ARRAY,
  // Shopify's inventory item ids are not our SKU codes: every SKU needs an imported mapping.
  defaultMapping: () => null,

  buildPush(items, ctx) {
    return chunk(items, MAX_INPUT_ARRAY).map((batch, index) => {
      const vars = setVariables(
        batch.map((i) => ({
          inventoryItemId: mapped(i).inventoryItemId,
          quantity: i.quantity,
          changeFrom: i.pushed,
        })),
        ctx.settings,
        ctx.attempt,
        `stockmesh-${ctx.attempt}-${index}`,
      );
      return withToken(graphql(ctx.settings, SET_AVAILABLE, vars), ctx.credentials);
    });
  },

  parsePush(items, res, now) {
    const t = readResponse(res, MUTATION_COST, now);
    if (t.kind === 'retry') {
      return {
        items: retryAll(items, t.message),
        throttle: { notBefore: t.notBefore, describe: t.message },
      };
    }
    if (t.kind === 'fatal') {
      return {
        items: retryAll(items, t.message),
        throttle: { notBefore: null, describe: t.message },
        fatal: t,
      };
    }
    const throttle = readThrottle(t.env, MUTATION_COST, now);
    const data = SetPayload.safeParse(t.env.data);
    if (!data.success)
      return { items: retryAll(items, 'Shopify answered without the mutation payload'), throttle };
    const { items: outcomes, fatal } = setOutcomes(items, data.data);
    return fatal ? { items: outcomes, throttle, fatal } : { items: outcomes, throttle };
  },

  buildRead(items, ctx) {
    const vars: Record<string, string> = { loc: ctx.settings.locationId };
    const fields = items.slice(0, MAX_INPUT_ARRAY).map((item, i) => {
      vars[`i${i}`] = mapped(item).inventoryItemId;
      return `${alias(item.sku)}: inventoryItem(id: $i${i}) { inventoryLevel(locationId: $loc) { quantities(names: ["available"]) { name quantity } } }`;
    });
    const params = [
      '$loc: ID!',
      ...items.slice(0, MAX_INPUT_ARRAY).map((_, i) => `$i${i}: ID!`),
    ].join(', ');
    const query = `query StockmeshReadAvailable(${params}) {\n  ${fields.join('\n  ')}\n}`;
    return withToken(graphql(ctx.settings, query, vars), ctx.credentials);
  },

  parseRead(res) {
    const out = new Map<string, number>();
    const env = res.status === 200 ? parseJson(Envelope, res.body) : null;
    const data = z.record(z.string(), ReadLevel).safeParse(env?.data);
    if (!data.success) return out;
    for (const [name, level] of Object.entries(data.data)) {
      const available = level?.inventoryLevel?.quantities.find((q) => q.name === 'available');
      if (name.startsWith('s_') && available) out.set(unalias(name), available.quantity);
    }
    return out;
  },

  buildProbe(ctx) {
    const query =
      'query StockmeshProbe($loc: ID!) { shop { name } location(id: $loc) { id isActive } }';
    return withToken(
      graphql(ctx.settings, query, { loc: ctx.settings.locationId }),
      ctx.credentials,
    );
  },

  parseProbe(res: HttpResponse) {
    // The probe's throttle is not used: any clock will do.
    const t = readResponse(res, 2, 0);
    if (t.kind === 'fatal') return { ok: false, code: t.code, message: t.message };
    if (t.kind === 'retry')
      return { ok: false, code: 'marketplace_unavailable', message: t.message };
    const data = ProbeData.safeParse(t.env.data);
    if (!data.success || !data.data.shop) {
      return { ok: false, code: 'marketplace_error', message: 'Shopify answered without the shop' };
    }
    if (!data.data.location?.isActive) {
      return {
        ok: false,
        code: 'settings_invalid',
        message: 'Shopify: the location is unknown or inactive',
      };
    }
    return { ok: true };
  },

  bulk: shopifyBulk,

  async authorize(req: HttpRequest, ctx) {
    // Staged uploads and result files are signed storage URLs: only the Admin API gets the token.
    return req.url.includes('/admin/api/') ? withToken(req, ctx.credentials) : req;
  },
};
