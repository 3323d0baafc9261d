import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_THRESHOLDS } from '../../objects/signals/threshold';
import { ChannelCode, LocationCode, SkuCode } from '../../protocol/catalog';
import { LocationThresholdsView } from '../../protocol/threshold-rollout';
import {
  ChannelThresholdsInput,
  ChannelThresholdsView,
  ThresholdsInput,
  ThresholdsView,
} from '../../protocol/thresholds';
import { webhooks } from '../../shared/stubs';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { bearer, errorResponses, json } from '../route-docs';
import {
  mustExist,
  pushChannelThresholds,
  pushSkuThresholds,
  readThresholds,
  rolloutLocationThresholds,
  type StoredThresholds,
  writeThresholds,
} from '../signals/thresholds';

// Thresholds of the stock signals (docs/signals.md): every role reads, admin writes. A write is
// validated whole before anything is stored, and pushed at once to the objects that judge it.

const view = (code: string, s: StoredThresholds): ThresholdsView => {
  const thresholds = ThresholdsInput.parse(s.thresholds);
  return {
    code,
    thresholds,
    effective: { ...DEFAULT_THRESHOLDS, ...thresholds },
    updatedAt: s.updatedAt,
  };
};

const channelView = (code: string, s: StoredThresholds): ChannelThresholdsView => {
  const thresholds = ChannelThresholdsInput.parse(s.thresholds);
  return {
    code,
    thresholds,
    effective: {
      lowCoverDays:
        thresholds.lowCoverDays === undefined
          ? DEFAULT_THRESHOLDS.lowCoverDays
          : thresholds.lowCoverDays,
      band: thresholds.band ?? DEFAULT_THRESHOLDS.band,
      backInStock: thresholds.backInStock ?? DEFAULT_THRESHOLDS.backInStock,
    },
    updatedAt: s.updatedAt,
  };
};

const RANGES =
  'lowCoverDays 0.1–365 or null (off), reorderPoint 0–1,000,000 or null (off), band 0–2, backInStock 1–1,000,000; a field left out inherits (SKU over location over the defaults: lowCoverDays 5, reorderPoint off, band 0.2, backInStock 1).';

const getRoute = (
  path: string,
  param: z.ZodType<string>,
  what: string,
  schema: z.ZodType = ThresholdsView,
) =>
  createRoute({
    method: 'get',
    path,
    summary: `The stock-signal threshold overrides of a ${what}, and what they come to`,
    tags: ['signals'],
    security: bearer,
    request: { params: z.object({ code: param }) },
    responses: {
      200: { description: 'Thresholds', ...json(schema) },
      ...errorResponses(400, 401, 404),
    },
  });

const putRoute = (
  path: string,
  param: z.ZodType<string>,
  what: string,
  schema: z.ZodType = ThresholdsView,
  description = '',
) =>
  createRoute({
    method: 'put',
    path,
    summary: `Replace the stock-signal threshold overrides of a ${what}`,
    description: RANGES + description,
    tags: ['signals'],
    security: bearer,
    middleware: [requireRole('admin')],
    request: {
      params: z.object({ code: param }),
      body: { required: true, ...json(ThresholdsInput) },
    },
    responses: {
      200: { description: 'Thresholds as stored', ...json(schema) },
      ...errorResponses(400, 401, 403, 404, 415),
    },
  });

export const thresholdRoutes = createApp()
  .openapi(getRoute('/v1/skus/{code}/thresholds', SkuCode, 'SKU'), async (c) => {
    const { code } = c.req.valid('param');
    await mustExist(c.env, 'sku', code);
    return c.json(view(code, await readThresholds(c.env, 'sku', code)), 200);
  })
  .openapi(putRoute('/v1/skus/{code}/thresholds', SkuCode, 'SKU'), async (c) => {
    const { code } = c.req.valid('param');
    await mustExist(c.env, 'sku', code);
    const stored = await writeThresholds(c.env, 'sku', code, c.req.valid('json'));
    await pushSkuThresholds(c.env, [code]);
    return c.json(view(code, stored), 200);
  })
  .openapi(
    getRoute('/v1/locations/{code}/thresholds', LocationCode, 'location', LocationThresholdsView),
    async (c) => {
      const { code } = c.req.valid('param');
      await mustExist(c.env, 'location', code);
      const stored = await readThresholds(c.env, 'location', code);
      const rollout = await webhooks(c.env).thresholdsRollout();
      return c.json(LocationThresholdsView.parse({ ...view(code, stored), rollout }), 200);
    },
  )
  .openapi(
    putRoute(
      '/v1/locations/{code}/thresholds',
      LocationCode,
      'location',
      LocationThresholdsView,
      ' The SKUs’ objects get them in the background, a page at a time: `rollout` says how many and how far.',
    ),
    async (c) => {
      const { code } = c.req.valid('param');
      await mustExist(c.env, 'location', code);
      const stored = await writeThresholds(c.env, 'location', code, c.req.valid('json'));
      const rollout = await rolloutLocationThresholds(c.env);
      return c.json(LocationThresholdsView.parse({ ...view(code, stored), rollout }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{code}/thresholds',
      summary: "A channel's back-in-stock threshold for channel-level signals",
      tags: ['signals'],
      security: bearer,
      request: { params: z.object({ code: ChannelCode }) },
      responses: {
        200: { description: 'Thresholds', ...json(ChannelThresholdsView) },
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      await mustExist(c.env, 'channel', code);
      return c.json(channelView(code, await readThresholds(c.env, 'channel', code)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/channels/{code}/thresholds',
      summary:
        "Set a channel's signal thresholds (backInStock listed units 1–1,000,000, default 1; lowCoverDays 0.1–365 or null, default 5; band 0–2, default 0.2)",
      description:
        "A channel is out when its listed quantity of a SKU reaches 0, back in stock once it reaches backInStock again, and low when listed units cover fewer than lowCoverDays days of its locations' summed demand (leaving low needs cover clear of it by band).",
      tags: ['signals'],
      security: bearer,
      middleware: [requireRole('admin')],
      request: {
        params: z.object({ code: ChannelCode }),
        body: { required: true, ...json(ChannelThresholdsInput) },
      },
      responses: {
        200: { description: 'Thresholds as stored', ...json(ChannelThresholdsView) },
        ...errorResponses(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      await mustExist(c.env, 'channel', code);
      const input = c.req.valid('json');
      const stored = await writeThresholds(c.env, 'channel', code, input);
      await pushChannelThresholds(c.env, code, input);
      return c.json(channelView(code, stored), 200);
    },
  );
