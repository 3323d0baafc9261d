import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq, inArray, or } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { kits, skus } from '../../db/schema';
import { SkuCode } from '../../protocol/catalog';
import { Failure } from '../../protocol/errors';
import { Kit, KitDefinition } from '../../protocol/reservations';
import { LEVEL_FIELDS } from '../../protocol/stock';
import { invalidateKits } from '../../shared/catalog/kits';
import { skuStock } from '../../shared/stubs';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { bearer, errorResponses, json } from '../route-docs';

const SkuParam = z.object({ sku: SkuCode });

const notAKit = (sku: string) =>
  new Failure({ code: 'not_found', message: `SKU ${sku} is not a kit`, details: { sku } });

const readKit = (env: Env, sku: string) =>
  catalogDb(env)
    .select({ sku: kits.componentSku, quantity: kits.quantity })
    .from(kits)
    .where(eq(kits.kitSku, sku))
    .orderBy(asc(kits.componentSku));

/** Refuses a kit definition the catalog cannot honour; throws the Failure that says why. */
const checkDefinition = async (env: Env, kit: string, components: readonly string[]) => {
  if (components.includes(kit)) {
    throw new Failure({ code: 'validation_failed', message: `Kit ${kit} cannot contain itself` });
  }
  const db = catalogDb(env);
  const codes = [kit, ...components];
  const known = await db.select({ code: skus.code }).from(skus).where(inArray(skus.code, codes));
  const missing = codes.filter((c) => !known.some((k) => k.code === c));
  if (missing.length > 0) {
    throw new Failure({
      code: 'unknown_sku',
      message: `Unknown SKU${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      details: { skus: missing },
    });
  }
  // One level only: a component that is a kit, or a kit used as a component, would nest.
  const nested = await db
    .select({ kit: kits.kitSku, component: kits.componentSku })
    .from(kits)
    .where(or(inArray(kits.kitSku, [...components]), eq(kits.componentSku, kit)));
  const first = nested[0];
  if (first) {
    const why =
      first.component === kit
        ? `${kit} is a component of kit ${first.kit}`
        : `component ${first.kit} is itself a kit`;
    throw new Failure({
      code: 'invalid_state',
      message: `Kits do not nest: ${why}`,
      details: { kit, nestedKit: first.kit },
    });
  }
  const stock = await skuStock(env, kit).getStock();
  const held = stock.ok ? LEVEL_FIELDS.filter((f) => stock.value.totals[f] !== 0) : [];
  if (stock.ok && held.length > 0) {
    throw new Failure({
      code: 'invalid_state',
      message: `SKU ${kit} has stock of its own (${held.map((f) => `${f} ${stock.value.totals[f]}`).join(', ')}); a kit has none: move it out first`,
      details: { sku: kit },
    });
  }
};

/** Kits: a SKU sold as a bundle of component SKUs (admin writes, every role reads). */
export const kitRoutes = createApp()
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/skus/{sku}/kit',
      summary: 'Make a SKU a kit of component SKUs, or change its components',
      description:
        'A kit has no stock of its own: a reservation line for it holds its components, all or ' +
        'none, and a single-SKU hold on it is refused. Kits do not nest.',
      tags: ['kits'],
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: SkuParam, body: { required: true, ...json(KitDefinition) } },
      responses: {
        200: { description: 'The kit as defined', ...json(Kit) },
        ...errorResponses(400, 401, 403, 404, 409, 415),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const { components } = c.req.valid('json');
      await checkDefinition(
        c.env,
        sku,
        components.map((x) => x.sku),
      );
      const db = catalogDb(c.env);
      // One atomic batch: readers see the old components or the new, never a mix.
      await db.batch([
        db.delete(kits).where(eq(kits.kitSku, sku)),
        db
          .insert(kits)
          .values(
            components.map((x) => ({ kitSku: sku, componentSku: x.sku, quantity: x.quantity })),
          ),
      ]);
      invalidateKits();
      return c.json({ sku, components: await readKit(c.env, sku) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/skus/{sku}/kit',
      summary: "A kit's components",
      tags: ['kits'],
      security: bearer,
      request: { params: SkuParam },
      responses: {
        200: { description: 'The kit', ...json(Kit) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const components = await readKit(c.env, sku);
      if (components.length === 0) throw notAKit(sku);
      return c.json({ sku, components }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/skus/{sku}/kit',
      summary: 'Make a kit an ordinary SKU again',
      description: 'Carts already holding its components keep them.',
      tags: ['kits'],
      security: bearer,
      middleware: [requireRole('admin')],
      request: { params: SkuParam },
      responses: {
        200: { description: 'The kit as it was', ...json(Kit) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { sku } = c.req.valid('param');
      const rows = await catalogDb(c.env)
        .delete(kits)
        .where(eq(kits.kitSku, sku))
        .returning({ sku: kits.componentSku, quantity: kits.quantity });
      if (rows.length === 0) throw notAKit(sku);
      invalidateKits();
      return c.json({ sku, components: rows.sort((a, b) => (a.sku < b.sku ? -1 : 1)) }, 200);
    },
  );
