import { z } from 'zod';
import type {
  BulkPath,
  BulkStep,
  HttpRequest,
  HttpResponse,
  ItemOutcome,
  PushItem,
  Throttle,
} from '../adapter';
import { parseJson, retryAll, snippet } from './http';
import {
  graphql,
  MAX_INPUT_ARRAY,
  MUTATION_COST,
  readResponse,
  readThrottle,
  SET_AVAILABLE,
  type ShopifyCredentials,
  type ShopifySettings,
  UserError,
} from './shopify-graphql';
import { chunk, ShopifyMapping, setOutcomes, setVariables } from './shopify-set';

// Shopify's bulk path: stagedUploadsCreate (BULK_MUTATION_VARIABLES) → multipart upload of the
// JSONL variables → bulkOperationRunMutation → poll bulkOperation(id:) → read the result JSONL and
// map each line's userErrors back to its SKUs. Each JSONL line is one inventorySetQuantities call
// of up to 250 quantities with its own @idempotent key, so a job sent twice applies once.

const Item = z.object({
  sku: z.string(),
  inventoryItemId: z.string(),
  quantity: z.number(),
  changeFrom: z.number().nullable(),
});
const State = z.object({
  phase: z.enum(['stage', 'upload', 'run', 'poll', 'result']),
  attempt: z.string(),
  items: z.array(Item),
  target: z
    .object({
      url: z.string(),
      key: z.string(),
      parameters: z.array(z.object({ name: z.string(), value: z.string() })),
    })
    .optional(),
  operationId: z.string().optional(),
});
type State = z.output<typeof State>;

const POLL_MS = 1000;

const STAGE = `mutation StockmeshStage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}`;
const RUN = `mutation StockmeshRunBulk($mutation: String!, $path: String!) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) {
    bulkOperation { id status }
    userErrors { code field message }
  }
}`;
const POLL = `query StockmeshBulkStatus($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl }
}`;

const StageData = z.object({
  stagedUploadsCreate: z.object({
    stagedTargets: z.array(
      z.object({
        url: z.string(),
        parameters: z.array(z.object({ name: z.string(), value: z.string() })),
      }),
    ),
    userErrors: z.array(UserError),
  }),
});
const RunData = z.object({
  bulkOperationRunMutation: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullish(),
    userErrors: z.array(UserError),
  }),
});
const PollData = z.object({
  bulkOperation: z
    .object({
      id: z.string(),
      status: z.string(),
      errorCode: z.string().nullish(),
      url: z.string().nullish(),
    })
    .nullish(),
});
const ResultLine = z.object({
  __lineNumber: z.number(),
  data: z.unknown().optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

const lines = (s: State) => chunk(s.items, MAX_INPUT_ARRAY);
const filename = (s: State) => `stockmesh-${s.attempt.replace(/[^\w-]/g, '_')}.jsonl`;

function jsonl(s: State, settings: ShopifySettings): string {
  return lines(s)
    .map((line, i) =>
      JSON.stringify(setVariables(line, settings, s.attempt, `stockmesh-bulk-${s.attempt}-${i}`)),
    )
    .join('\n');
}

/** A multipart/form-data body: the target's parameters first, the file last, as storage expects. */
function multipart(
  target: NonNullable<State['target']>,
  name: string,
  content: string,
): HttpRequest {
  const boundary = `stockmesh-${name.length}-${content.length}`;
  const parts = target.parameters.map(
    (p) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/jsonl\r\n\r\n${content}\r\n`,
  );
  return {
    method: 'POST',
    url: target.url,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: `${parts.join('')}--${boundary}--\r\n`,
  };
}

type Ctx = { settings: ShopifySettings; credentials: ShopifyCredentials; now: number };

function request(s: State, ctx: Ctx): HttpRequest {
  switch (s.phase) {
    case 'stage':
      return graphql(ctx.settings, STAGE, {
        input: [
          {
            resource: 'BULK_MUTATION_VARIABLES',
            filename: filename(s),
            mimeType: 'text/jsonl',
            httpMethod: 'POST',
          },
        ],
      });
    case 'upload':
      if (!s.target) throw new Error('Shopify bulk: upload phase without a staged target');
      return multipart(s.target, filename(s), jsonl(s, ctx.settings));
    case 'run':
      return graphql(ctx.settings, RUN, { mutation: SET_AVAILABLE, path: s.target?.key ?? '' });
    case 'poll':
      return graphql(ctx.settings, POLL, { id: s.operationId ?? '' });
    case 'result':
      throw new Error('Shopify bulk: the result request is built from the poll answer');
  }
}

function send(s: State, ctx: Ctx, notBefore: number | null): BulkStep {
  return { kind: 'send', state: s, request: request(s, ctx), notBefore };
}

function outcomes(s: State, body: string): ItemOutcome[] {
  const byLine = new Map<number, unknown>();
  for (const raw of body.split('\n')) {
    if (raw.trim() === '') continue;
    const line = parseJson(ResultLine, raw);
    if (line)
      byLine.set(line.__lineNumber, line.errors?.length ? { errors: line.errors } : line.data);
  }
  return lines(s).flatMap((line, i) => {
    const items: PushItem[] = line.map((l) => ({
      sku: l.sku,
      external: { inventoryItemId: l.inventoryItemId },
      quantity: l.quantity,
      pushed: l.changeFrom,
    }));
    const data = z
      .object({ inventorySetQuantities: z.object({ userErrors: z.array(UserError) }).nullish() })
      .safeParse(byLine.get(i));
    if (!data.success) return retryAll(items, `bulk line ${i} has no result`);
    return setOutcomes(items, data.data).items;
  });
}

export const shopifyBulk: BulkPath<ShopifySettings, ShopifyCredentials> = {
  // Below two calls' worth the per-item path is as fast and reports sooner.
  minItems: 2 * MAX_INPUT_ARRAY + 1,
  // 100 JSONL lines of 250: a few hundred kB, far under the staged upload's size limit.
  maxItems: 100 * MAX_INPUT_ARRAY,
  // Shopify limits concurrent bulk operations (five from 2026-01), not jobs per window.
  quota: null,

  start(items, ctx) {
    const state: State = {
      phase: 'stage',
      attempt: ctx.attempt,
      items: items.map((i) => ({
        sku: i.sku,
        inventoryItemId: ShopifyMapping.parse(i.external).inventoryItemId,
        quantity: i.quantity,
        changeFrom: i.pushed,
      })),
    };
    return send(state, ctx, null);
  },

  advance(raw, res: HttpResponse, ctx): BulkStep {
    const s = State.parse(raw);
    const now = ctx.now;
    if (s.phase === 'upload') {
      if (res.status >= 200 && res.status < 300) return send({ ...s, phase: 'run' }, ctx, null);
      // Staged targets expire: after a refused upload, stage a new one.
      return send({ ...s, phase: 'stage' }, ctx, now + POLL_MS);
    }
    if (s.phase === 'result') {
      if (res.status !== 200) return send({ ...s, phase: 'poll' }, ctx, now + POLL_MS);
      const throttle: Throttle = { notBefore: null, describe: 'Shopify bulk operation completed' };
      return { kind: 'done', items: outcomes(s, res.body), throttle };
    }
    const cost = s.phase === 'poll' ? 1 : MUTATION_COST;
    const t = readResponse(res, cost, now);
    if (t.kind === 'fatal')
      return { kind: 'failed', message: t.message, retryable: t.code === 'marketplace_error' };
    if (t.kind === 'retry') return send(s, ctx, t.notBefore);
    const paced = readThrottle(t.env, MUTATION_COST, now).notBefore;
    if (s.phase === 'stage') {
      const d = StageData.safeParse(t.env.data);
      const target = d.success ? d.data.stagedUploadsCreate.stagedTargets[0] : undefined;
      const key = target?.parameters.find((p) => p.name === 'key')?.value;
      if (!target || !key) {
        return {
          kind: 'failed',
          message: `Shopify staged no upload: ${snippet(res.body)}`,
          retryable: true,
        };
      }
      return send(
        { ...s, phase: 'upload', target: { url: target.url, key, parameters: target.parameters } },
        ctx,
        null,
      );
    }
    if (s.phase === 'run') {
      const d = RunData.safeParse(t.env.data);
      if (!d.success) return send(s, ctx, now + POLL_MS);
      const { bulkOperation, userErrors } = d.data.bulkOperationRunMutation;
      if (bulkOperation)
        return send({ ...s, phase: 'poll', operationId: bulkOperation.id }, ctx, now + POLL_MS);
      const code = userErrors[0]?.code ?? '';
      if (code === 'OPERATION_IN_PROGRESS')
        return send(s, ctx, Math.max(paced ?? 0, now + 5 * POLL_MS));
      if (code === 'NO_SUCH_FILE' || code === 'INVALID_STAGED_UPLOAD_FILE')
        return send({ ...s, phase: 'stage' }, ctx, paced);
      return {
        kind: 'failed',
        message: `Shopify refused the bulk mutation: ${userErrors.map((e) => e.message).join('; ')}`,
        retryable: false,
      };
    }
    // poll
    const d = PollData.safeParse(t.env.data);
    const op = d.success ? d.data.bulkOperation : null;
    if (!op)
      return {
        kind: 'failed',
        message: 'Shopify does not know the bulk operation',
        retryable: true,
      };
    if (op.status === 'COMPLETED' && op.url) {
      return {
        kind: 'send',
        state: { ...s, phase: 'result' },
        request: { method: 'GET', url: op.url, headers: {} },
        notBefore: null,
      };
    }
    if (op.status === 'COMPLETED')
      return {
        kind: 'done',
        items: retryAll(
          lines(s)
            .flat()
            .map((l) => ({
              sku: l.sku,
              external: null,
              quantity: l.quantity,
              pushed: l.changeFrom,
            })),
          'bulk result has no file',
        ),
        throttle: { notBefore: paced, describe: 'Shopify bulk operation without result' },
      };
    if (op.status === 'FAILED' || op.status === 'CANCELED' || op.status === 'EXPIRED') {
      return {
        kind: 'failed',
        message: `Shopify bulk operation ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}`,
        retryable: op.errorCode !== 'ACCESS_DENIED',
      };
    }
    return send(s, ctx, Math.max(paced ?? 0, now + POLL_MS));
  },
};
