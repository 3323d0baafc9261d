import { z } from 'zod';
import { headerOf, json, type SimRequest, type SimResponse, text } from '../shared/sim-http';
import { SlidingWindow } from '../shared/token-bucket';
import { error, type Issue, Patch, safeJson } from './sp-api';

// A simulated seller's Feeds API 2021-06-30: presigned feed documents (PUT with the declared
// content type), JSON_LISTINGS_FEED submissions under their quota (5 per 5 minutes), and feeds
// processed `bulkMs` after submission into a processing report.

const MAX_FEED_MESSAGES = 25_000;

const FeedDoc = z.object({
  header: z.object({
    sellerId: z.string(),
    version: z.literal('2.0'),
    issueLocale: z.string().optional(),
  }),
  messages: z.array(
    z.object({
      messageId: z.number().int().min(1),
      sku: z.string().min(1),
      operationType: z.enum(['UPDATE', 'PARTIAL_UPDATE', 'PATCH', 'DELETE']),
      productType: z.string().optional(),
      patches: z.array(Patch).optional(),
    }),
  ),
});

type Feed = {
  id: string;
  createdAt: number;
  doneAt: number;
  documentId: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL';
  resultDocumentId?: string;
  marketplaceIds: string[];
};
type Doc = { contentType: string; content: string | null };

export class Feeds {
  private readonly docs = new Map<string, Doc>();
  private readonly feeds = new Map<string, Feed>();
  private readonly feedQuota = new SlidingWindow(5, 5 * 60_000);
  private ids = 0;

  constructor(
    readonly seller: string,
    private readonly totals: { throttled: number; feeds: number; feedMessages: number },
    /** Applies one message's patches to the seller's listings; the issues refusing it. */
    private readonly applyPatches: (sku: string, patches: Patch[]) => Issue[],
  ) {}

  createDocument(req: SimRequest, origin: string): SimResponse {
    const body = z.object({ contentType: z.string().min(1) }).safeParse(safeJson(req.body));
    if (!body.success) return error(400, 'InvalidInput', 'contentType is required');
    const id = `amzn1.tortuga.4.eu.${++this.ids}`.replace(/\./g, '-');
    this.docs.set(id, { contentType: body.data.contentType, content: null });
    return json(201, { feedDocumentId: id, url: `${origin}/_documents/${this.seller}/${id}` });
  }

  /** The presigned document URL: PUT the feed (same content type as declared), GET a report. */
  document(req: SimRequest, id: string): SimResponse {
    const doc = this.docs.get(id);
    if (!doc) return text(404, '<Error><Code>NoSuchKey</Code></Error>', 'application/xml');
    if (req.method === 'PUT') {
      if (headerOf(req, 'content-type') !== doc.contentType)
        return text(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>', 'application/xml');
      doc.content = req.body;
      return text(200, '');
    }
    return doc.content === null
      ? text(404, '<Error><Code>NoSuchKey</Code></Error>', 'application/xml')
      : text(200, doc.content, doc.contentType);
  }

  createFeed(req: SimRequest, now: number, bulkMs: number): SimResponse {
    const body = z
      .object({
        feedType: z.string(),
        marketplaceIds: z.array(z.string()).min(1),
        inputFeedDocumentId: z.string(),
      })
      .safeParse(safeJson(req.body));
    if (!body.success) return error(400, 'InvalidInput', 'Invalid request body');
    if (body.data.feedType !== 'JSON_LISTINGS_FEED')
      return error(400, 'InvalidInput', `feedType ${body.data.feedType} is not simulated`);
    if (!this.docs.get(body.data.inputFeedDocumentId)?.content)
      return error(400, 'InvalidInput', 'The input feed document was not uploaded');
    if (!this.feedQuota.take(now)) {
      this.totals.throttled++;
      return error(
        429,
        'QuotaExceeded',
        'You exceeded your quota for the requested resource.',
        'JSON_LISTINGS_FEED: 5 submissions per 5 minutes',
      );
    }
    const id = String(50_000 + ++this.ids);
    this.feeds.set(id, {
      id,
      createdAt: now,
      doneAt: now + bulkMs,
      documentId: body.data.inputFeedDocumentId,
      status: 'IN_QUEUE',
      marketplaceIds: body.data.marketplaceIds,
    });
    this.totals.feeds++;
    return json(202, { feedId: id });
  }

  getFeed(id: string, now: number): SimResponse {
    this.progress(now);
    const feed = this.feeds.get(id);
    if (!feed) return error(404, 'NotFound', `Feed ${id} not found`);
    const iso = (ms: number) => new Date(ms).toISOString();
    return json(
      200,
      {
        feedId: feed.id,
        feedType: 'JSON_LISTINGS_FEED',
        marketplaceIds: feed.marketplaceIds,
        createdTime: iso(feed.createdAt),
        processingStatus: feed.status,
        ...(feed.status === 'IN_QUEUE' ? {} : { processingStartTime: iso(feed.createdAt) }),
        ...(feed.status === 'DONE' || feed.status === 'FATAL'
          ? { processingEndTime: iso(feed.doneAt) }
          : {}),
        ...(feed.resultDocumentId ? { resultFeedDocumentId: feed.resultDocumentId } : {}),
      },
      { 'x-amzn-RateLimit-Limit': '2.0' },
    );
  }

  getDocument(id: string, origin: string): SimResponse {
    if (!this.docs.has(id)) return error(404, 'NotFound', `Document ${id} not found`);
    return json(200, { feedDocumentId: id, url: `${origin}/_documents/${this.seller}/${id}` });
  }

  /** Feeds move with the clock: IN_QUEUE, IN_PROGRESS, then processed at once into a report. */
  progress(now: number): void {
    for (const feed of this.feeds.values()) {
      if (feed.status === 'IN_QUEUE' && now > feed.createdAt) feed.status = 'IN_PROGRESS';
      if (feed.status !== 'IN_PROGRESS' || now < feed.doneAt) continue;
      const doc = FeedDoc.safeParse(safeJson(this.docs.get(feed.documentId)?.content ?? ''));
      const issues: Issue[] = [];
      let accepted = 0;
      if (
        !doc.success ||
        doc.data.header.sellerId !== this.seller ||
        doc.data.messages.length > MAX_FEED_MESSAGES
      ) {
        feed.status = 'FATAL';
        issues.push({
          code: '100001',
          severity: 'ERROR',
          message: doc.success
            ? 'The feed names another seller or carries more than 25,000 messages.'
            : 'The feed document does not match the JSON_LISTINGS_FEED schema.',
        });
      } else {
        for (const m of doc.data.messages) {
          this.totals.feedMessages++;
          const found =
            m.operationType === 'PATCH' && m.productType && m.patches
              ? this.applyPatches(m.sku, m.patches)
              : [
                  {
                    code: '4000003',
                    severity: 'ERROR' as const,
                    message:
                      'The simulator processes PATCH messages with a productType and patches.',
                  },
                ];
          for (const i of found) issues.push({ ...i, messageId: m.messageId, sku: m.sku });
          if (found.length === 0) accepted++;
        }
        feed.status = 'DONE';
      }
      const total = doc.success ? doc.data.messages.length : 0;
      const resultId = `report-${feed.id}`;
      this.docs.set(resultId, {
        contentType: 'application/json',
        content: JSON.stringify({
          header: { sellerId: this.seller, version: '2.0', feedId: feed.id },
          issues,
          summary: {
            errors: issues.filter((i) => i.severity === 'ERROR').length,
            warnings: 0,
            messagesProcessed: total,
            messagesAccepted: accepted,
            messagesInvalid: total - accepted,
          },
        }),
      });
      feed.resultDocumentId = resultId;
    }
  }
}
