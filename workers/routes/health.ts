import { createRoute, z } from '@hono/zod-openapi';
import { Failure } from '../../protocol/errors';
import { createApp } from '../app';
import { bearer, errorResponses, json } from '../route-docs';
import { LedgerHealth, ledgerHealth } from '../stream/ledger-health';

const Liveness = z.object({ status: z.literal('ok'), time: z.string() });

const LedgerQuery = z.object({
  fresh: z.enum(['true', 'false']).optional().openapi({
    description: 'Admin keys only: ask the hubs now instead of the answer cached for a few seconds',
  }),
});

export const healthRoutes = createApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/health',
      summary: 'Liveness: the gateway answers (no key, no object or database call)',
      responses: {
        200: { description: 'The gateway is up', ...json(Liveness) },
      },
    }),
    (c) => c.json({ status: 'ok' as const, time: new Date().toISOString() }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/health/ledger',
      summary: 'How far the D1 ledger is behind the counters (any key)',
      description:
        'Ledger lag comes from the StreamHubs, which hear every SKU state with its ledger cursor; ' +
        'the answer is cached for a few seconds per gateway isolate. Status is degraded when a hub ' +
        'does not answer or the oldest unflushed event is older than 60 s.',
      security: bearer,
      request: { query: LedgerQuery },
      responses: {
        200: { description: 'Ledger health', ...json(LedgerHealth) },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const fresh = c.req.valid('query').fresh === 'true';
      const { role, keyId } = c.get('principal');
      if (fresh && role !== 'admin') {
        throw new Failure({
          code: 'forbidden',
          message: `Key ${keyId} has role ${role}; only an admin key may ask for a fresh ledger view`,
        });
      }
      return c.json(await ledgerHealth(c.env, { fresh }), 200);
    },
  );
