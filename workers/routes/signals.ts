import { createRoute } from '@hono/zod-openapi';
import { unwrap } from '../../protocol/errors';
import { SignalPage, SignalQuery, SignalType } from '../../protocol/webhooks';
import { webhooks } from '../../shared/stubs';
import { createApp } from '../app';
import { bearer, errorResponses, json } from '../route-docs';
import { scopeSignals } from '../signals/scope';

// Recent stock signals (docs/signals.md), as the Webhooks object was handed them: every role
// reads, each within its key's scope (signals/scope.ts).

const signalList = SignalType.options.map((t) => `\`${t}\``).join(', ');

export const signalRoutes = createApp().openapi(
  createRoute({
    method: 'get',
    path: '/v1/signals',
    summary: 'Recent stock signals, newest first',
    description:
      `Signals (${signalList}) of the last 7 days, whether or not a webhook wants them. ` +
      'Filter by `type`, `sku`, `location`, `channel`; pass `nextCursor` back as `cursor` for older ones. ' +
      'Admin and viewer keys read every signal; a warehouse key only those at its locations; a storefront ' +
      'or connector key only those of its channels. A filter naming anything else is refused (403).',
    tags: ['signals'],
    security: bearer,
    request: { query: SignalQuery },
    responses: {
      200: { description: 'A page of signals', ...json(SignalPage) },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const query = unwrap(scopeSignals(c.get('principal'), c.req.valid('query')));
    return c.json(await webhooks(c.env).signals(query), 200);
  },
);
