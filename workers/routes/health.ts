import { createRoute, z } from '@hono/zod-openapi';
import { createApp } from '../app';

const Health = z.object({ status: z.literal('ok'), time: z.string() });

export const healthRoutes = createApp().openapi(
  createRoute({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness of the gateway',
    responses: { 200: { description: 'ok', content: { 'application/json': { schema: Health } } } },
  }),
  (c) => c.json({ status: 'ok' as const, time: new Date().toISOString() }, 200),
);
