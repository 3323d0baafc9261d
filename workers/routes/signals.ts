import { createRoute } from '@hono/zod-openapi';
import { SignalPage, SignalQuery, SignalType } from '../../protocol/webhooks';
import { createApp } from '../app';
import { bearer, errorResponses, json } from '../route-docs';
import { webhooks } from '../stubs';

// Recent stock signals (docs/signals.md), as the Webhooks object was handed them: every role reads.

const signalList = SignalType.options.map((t) => `\`${t}\``).join(', ');

export const signalRoutes = createApp().openapi(
  createRoute({
    method: 'get',
    path: '/v1/signals',
    summary: 'Recent stock signals, newest first',
    description:
      `Signals (${signalList}) of the last 7 days, whether or not a webhook wants them. ` +
      'Filter by `type`, `sku`, `location`, `channel`; pass `nextCursor` back as `cursor` for older ones.',
    tags: ['signals'],
    security: bearer,
    request: { query: SignalQuery },
    responses: {
      200: { description: 'A page of signals', ...json(SignalPage) },
      ...errorResponses(400, 401),
    },
  }),
  async (c) => c.json(await webhooks(c.env).signals(c.req.valid('query')), 200),
);
