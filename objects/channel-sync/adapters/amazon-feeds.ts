import { z } from 'zod';
import type { BulkPath, BulkStep, HttpRequest, HttpResponse, ItemOutcome } from '../adapter';
import {
  type AmazonCredentials,
  type AmazonSettings,
  errorText,
  json,
  quantityPatch,
  spBase,
  tokenExpired,
} from './amazon-sp';
import { isTransient, parseJson } from './http';

// Amazon's bulk path, the Feeds API 2021-06-30 with a JSON_LISTINGS_FEED: createFeedDocument →
// PUT the feed to the presigned URL → createFeed → poll getFeed until DONE/FATAL/CANCELLED →
// getFeedDocument(resultFeedDocumentId) → read the processing report and map its issues back to
// SKUs by messageId. Patches are absolute, so a feed created twice does no harm.

const CONTENT_TYPE = 'application/json; charset=UTF-8';
const POLL_MS = 2000;
/** createFeed refused (JSON_LISTINGS_FEED quota, 5 per 5 minutes): try again after a slot frees. */
const QUOTA_RETRY_MS = 60_000;

const State = z.object({
  phase: z.enum(['document', 'upload', 'create', 'poll', 'result-document', 'report']),
  attempt: z.string(),
  items: z.array(z.object({ sku: z.string(), sellerSku: z.string(), quantity: z.number() })),
  document: z.object({ id: z.string(), url: z.string() }).optional(),
  feedId: z.string().optional(),
  resultDocumentId: z.string().optional(),
});
type State = z.output<typeof State>;
type Ctx = { settings: AmazonSettings; credentials: AmazonCredentials; now: number };

const DocumentCreated = z.object({ feedDocumentId: z.string(), url: z.string() });
const FeedCreated = z.object({ feedId: z.string() });
const Feed = z.object({
  feedId: z.string(),
  processingStatus: z.enum(['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE']),
  resultFeedDocumentId: z.string().optional(),
});
const FeedDocument = z.object({
  feedDocumentId: z.string(),
  url: z.string(),
  compressionAlgorithm: z.string().optional(),
});
const Report = z.object({
  issues: z
    .array(
      z.object({
        messageId: z.number().optional(),
        code: z.string(),
        severity: z.string(),
        message: z.string(),
      }),
    )
    .default([]),
  summary: z.looseObject({ messagesProcessed: z.number().optional() }).optional(),
});

/** The JSON_LISTINGS_FEED document: one PATCH message per SKU, messageId = position + 1. */
export function feedDocument(s: State, settings: AmazonSettings): string {
  return JSON.stringify({
    header: { sellerId: settings.sellerId, version: '2.0', issueLocale: 'en_US' },
    messages: s.items.map((item, i) => ({
      messageId: i + 1,
      sku: item.sellerSku,
      operationType: 'PATCH',
      productType: settings.productType,
      patches: quantityPatch(settings, item.quantity),
    })),
  });
}

function request(s: State, ctx: Ctx): HttpRequest {
  const base = `${spBase(ctx.settings)}/feeds/2021-06-30`;
  switch (s.phase) {
    case 'document':
      return json('POST', `${base}/documents`, { contentType: CONTENT_TYPE });
    case 'upload':
      return {
        method: 'PUT',
        url: s.document?.url ?? '',
        headers: { 'content-type': CONTENT_TYPE },
        body: feedDocument(s, ctx.settings),
      };
    case 'create':
      return json('POST', `${base}/feeds`, {
        feedType: 'JSON_LISTINGS_FEED',
        marketplaceIds: ctx.settings.marketplaceIds,
        inputFeedDocumentId: s.document?.id,
      });
    case 'poll':
      return json('GET', `${base}/feeds/${encodeURIComponent(s.feedId ?? '')}`);
    case 'result-document':
      return json('GET', `${base}/documents/${encodeURIComponent(s.resultDocumentId ?? '')}`);
    case 'report':
      throw new Error('Amazon feeds: the report request is built from getFeedDocument');
  }
}

const send = (s: State, ctx: Ctx, notBefore: number | null, refreshToken = false): BulkStep => ({
  kind: 'send',
  state: s,
  request: request(s, ctx),
  notBefore,
  ...(refreshToken ? { refreshToken } : {}),
});

function outcomes(s: State, report: z.output<typeof Report>): ItemOutcome[] {
  const errors = new Map<number, { code: string; message: string }>();
  for (const issue of report.issues) {
    if (
      issue.severity === 'ERROR' &&
      issue.messageId !== undefined &&
      !errors.has(issue.messageId)
    ) {
      errors.set(issue.messageId, issue);
    }
  }
  return s.items.map((item, i): ItemOutcome => {
    const e = errors.get(i + 1);
    return e
      ? {
          sku: item.sku,
          status: 'rejected',
          code: e.code,
          message: `SKU ${item.sku} (seller SKU ${item.sellerSku}): ${e.message}`,
        }
      : { sku: item.sku, status: 'accepted', quantity: item.quantity };
  });
}

export const amazonFeeds: BulkPath<AmazonSettings, AmazonCredentials> = {
  // Ten seconds of per-item patches at 5 a second: beyond that a feed is cheaper.
  minItems: 50,
  maxItems: 25_000,
  quota: { jobs: 5, windowMs: 5 * 60_000 },

  start(items, ctx) {
    const state: State = {
      phase: 'document',
      attempt: ctx.attempt,
      items: items.map((i) => ({
        sku: i.sku,
        sellerSku: z.object({ sellerSku: z.string() }).parse(i.external).sellerSku,
        quantity: i.quantity,
      })),
    };
    return send(state, ctx, null);
  },

  advance(raw, res: HttpResponse, ctx): BulkStep {
    const s = State.parse(raw);
    const now = ctx.now;
    // The report's presigned URL is not rebuilt: a failed download asks for the document again.
    const again: State = s.phase === 'report' ? { ...s, phase: 'result-document' } : s;
    // Presigned document URLs answer 403 once they lapse: ask for a fresh one, no token involved.
    if ((s.phase === 'upload' || s.phase === 'report') && res.status >= 400 && res.status < 500) {
      return send(
        { ...s, phase: s.phase === 'upload' ? 'document' : 'result-document' },
        ctx,
        now + POLL_MS,
      );
    }
    if (tokenExpired(res)) return send(again, ctx, null, true);
    if (res.status === 401 || res.status === 403) {
      return {
        kind: 'failed',
        message: `Amazon refused the access token: ${errorText(res)}`,
        retryable: false,
      };
    }
    if (res.status === 429)
      return send(again, ctx, now + (s.phase === 'create' ? QUOTA_RETRY_MS : POLL_MS));
    if (isTransient(res.status)) return send(again, ctx, now + POLL_MS);
    switch (s.phase) {
      case 'document': {
        const doc =
          res.status === 201 || res.status === 200 ? parseJson(DocumentCreated, res.body) : null;
        if (!doc)
          return {
            kind: 'failed',
            message: `createFeedDocument: ${errorText(res)}`,
            retryable: false,
          };
        return send(
          { ...s, phase: 'upload', document: { id: doc.feedDocumentId, url: doc.url } },
          ctx,
          null,
        );
      }
      case 'upload':
        if (res.status >= 200 && res.status < 300)
          return send({ ...s, phase: 'create' }, ctx, null);
        // A presigned URL lapses: ask for a new document.
        return send({ ...s, phase: 'document' }, ctx, now + POLL_MS);
      case 'create': {
        const feed =
          res.status === 202 || res.status === 200 ? parseJson(FeedCreated, res.body) : null;
        if (!feed)
          return { kind: 'failed', message: `createFeed: ${errorText(res)}`, retryable: false };
        return send({ ...s, phase: 'poll', feedId: feed.feedId }, ctx, now + POLL_MS);
      }
      case 'poll': {
        const feed = res.status === 200 ? parseJson(Feed, res.body) : null;
        if (!feed) return send(s, ctx, now + POLL_MS);
        if (feed.processingStatus === 'IN_QUEUE' || feed.processingStatus === 'IN_PROGRESS')
          return send(s, ctx, now + POLL_MS);
        if (feed.processingStatus === 'CANCELLED')
          return { kind: 'failed', message: `feed ${feed.feedId} was cancelled`, retryable: true };
        if (feed.processingStatus === 'FATAL')
          return {
            kind: 'failed',
            message: `Amazon rejected feed ${feed.feedId} as a whole (FATAL)`,
            retryable: false,
          };
        if (!feed.resultFeedDocumentId)
          return {
            kind: 'failed',
            message: `feed ${feed.feedId} is DONE without a report`,
            retryable: true,
          };
        return send(
          { ...s, phase: 'result-document', resultDocumentId: feed.resultFeedDocumentId },
          ctx,
          null,
        );
      }
      case 'result-document': {
        const doc = res.status === 200 ? parseJson(FeedDocument, res.body) : null;
        if (!doc) return send(s, ctx, now + POLL_MS);
        if (doc.compressionAlgorithm) {
          return {
            kind: 'failed',
            message: `the processing report is ${doc.compressionAlgorithm}-compressed, which this adapter does not read`,
            retryable: false,
          };
        }
        return {
          kind: 'send',
          state: { ...s, phase: 'report' },
          request: { method: 'GET', url: doc.url, headers: {} },
          notBefore: null,
        };
      }
      case 'report': {
        const report = res.status === 200 ? parseJson(Report, res.body) : null;
        if (!report) return send(again, ctx, now + POLL_MS);
        return {
          kind: 'done',
          items: outcomes(s, report),
          throttle: { notBefore: null, describe: `Amazon feed ${s.feedId} done` },
        };
      }
    }
  },
};
