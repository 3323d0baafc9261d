import { createRoute, z } from '@hono/zod-openapi';
import { BatchRequest, BatchResult, MAX_BATCH_LINES } from '../../protocol/batch';
import { Failure } from '../../protocol/errors';
import { ClientIdempotencyKey, MAX_COMMANDS_PER_CALL } from '../../protocol/stock';
import { createApp, validationFailure } from '../app';
import { bearer, errorResponses, json } from '../route-docs';
import { runBatch } from '../stock/run-batch';

export { MAX_BATCH_LINES };

export const batchRoutes = createApp().openapi(
  createRoute({
    method: 'post',
    path: '/v1/movements/batch',
    summary: `Apply up to ${MAX_BATCH_LINES} stock commands in one request`,
    description:
      'Each line is a stock command plus its `sku`. Lines of one SKU apply in order (in calls of ' +
      `up to ${MAX_COMMANDS_PER_CALL}, so other requests to the SKU are served in between); ` +
      'every line gets its own result (`ok`, or `error` with a code such as insufficient_stock). ' +
      'A line is replay-protected by its `key`, or by `<Idempotency-Key header>:<line index>`, ' +
      'so a retried batch never applies a line twice; a refused line is not remembered, so a ' +
      'retry tries it again. Keys are per API key; keys starting `co:` are refused. A malformed ' +
      'line, an unknown SKU or location, or a line the key may not send refuses the whole batch ' +
      'and changes nothing.',
    tags: ['stock'],
    security: bearer,
    request: {
      headers: z.object({ 'idempotency-key': ClientIdempotencyKey.optional() }),
      body: { required: true, ...json(BatchRequest) },
    },
    responses: {
      200: { description: 'Per-line results, in request order', ...json(BatchResult) },
      ...errorResponses(400, 401, 403, 404, 413, 415),
    },
  }),
  async (c) => runBatch(c, c.req.valid('json').lines, c.req.valid('header')['idempotency-key']),
  (result) => {
    if (result.success) return undefined;
    const tooMany = result.error.issues.some((i) => i.code === 'too_big' && i.path.length === 1);
    if (tooMany) {
      throw new Failure({
        code: 'too_many_lines',
        message: `A batch may carry at most ${MAX_BATCH_LINES} lines`,
        details: { maxLines: MAX_BATCH_LINES },
      });
    }
    throw validationFailure(result.error, result.target);
  },
);
