import {
  type DocumentNode,
  type ExecutionResult,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { headerOf, type SimRequest, type SimResponse, text } from '../shared/sim-http';
import { schema } from './schema';

// A shop's staged uploads and bulk mutations: targets for BULK_MUTATION_VARIABLES, the multipart
// (or PUT) upload, bulkOperationRunMutation's checks and concurrency limit, and operations that
// complete `bulkMs` after creation, running each JSONL line outside the rate-limit bucket.

export type Ctx = { now: number; version: string; origin: string; bulkMs: number };
/** Runs one JSONL line's variables through the shop's resolvers. */
export type RunLine = (
  doc: DocumentNode,
  variables: Record<string, unknown>,
  ctx: Ctx,
) => ExecutionResult;
export type StageInput = {
  resource: string;
  filename: string;
  mimeType: string;
  httpMethod: string;
};

type BulkOp = {
  n: number;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED';
  createdAt: number;
  doneAt: number;
  completedAt: number | null;
  doc: DocumentNode;
  query: string;
  lines: Record<string, unknown>[];
  version: string;
};

const iso = (ms: number) => new Date(ms).toISOString();
const denied = (message: string) =>
  text(
    403,
    `<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
    'application/xml',
  );

export class BulkOperations {
  private readonly files = new Map<string, string>();
  private readonly ops: BulkOp[] = [];
  private readonly results = new Map<number, string>();

  /** stagedUploadsCreate: a storage target per input, keyed so the upload can be found again. */
  stage(input: StageInput[], ctx: Ctx) {
    return {
      stagedTargets: input.map((i) => {
        const key = `tmp/1/bulk/${crypto.randomUUID()}/${i.filename}`;
        this.files.set(key, '');
        if (i.httpMethod === 'PUT') {
          return {
            url: `${ctx.origin}/_staged/${encodeURIComponent(key)}`,
            resourceUrl: null,
            parameters: [{ name: 'key', value: key }],
          };
        }
        return {
          url: `${ctx.origin}/_staged`,
          resourceUrl: null,
          parameters: [
            { name: 'Content-Type', value: i.mimeType },
            { name: 'success_action_status', value: '201' },
            { name: 'acl', value: 'private' },
            { name: 'key', value: key },
            { name: 'x-goog-date', value: iso(ctx.now).replace(/[-:]|\.\d+/g, '') },
            { name: 'x-goog-credential', value: 'simulator/auto/storage/goog4_request' },
            { name: 'x-goog-algorithm', value: 'GOOG4-RSA-SHA256' },
            { name: 'x-goog-signature', value: 'simulated' },
            { name: 'policy', value: btoa(JSON.stringify({ key })) },
          ],
        };
      }),
      userErrors: input
        .filter((i) => i.resource !== 'BULK_MUTATION_VARIABLES')
        .map((i) => ({
          field: ['input', 'resource'],
          message: `the simulator stages only BULK_MUTATION_VARIABLES, not ${i.resource}`,
        })),
    };
  }

  /** The storage side: a multipart POST of the target's fields then the file, or a PUT. */
  async upload(req: SimRequest, url: URL): Promise<SimResponse> {
    const put = /\/_staged\/(.+)$/.exec(url.pathname);
    if (put && req.method === 'PUT') {
      const key = decodeURIComponent(put[1] ?? '');
      if (!this.files.has(key)) return denied('Unknown key');
      this.files.set(key, req.body);
      return text(200, '');
    }
    if (req.method !== 'POST') return text(405, 'Method Not Allowed');
    let form: FormData;
    try {
      form = await new Response(req.body, {
        headers: { 'content-type': headerOf(req, 'content-type') ?? '' },
      }).formData();
    } catch {
      return text(
        400,
        '<Error><Code>InvalidArgument</Code><Message>not multipart/form-data</Message></Error>',
        'application/xml',
      );
    }
    const key = form.get('key');
    const file = form.get('file');
    if (
      typeof key !== 'string' ||
      !this.files.has(key) ||
      typeof form.get('policy') !== 'string' ||
      file === null
    ) {
      return denied('Invalid according to Policy');
    }
    this.files.set(key, typeof file === 'string' ? file : await file.text());
    return text(201, `<PostResponse><Key>${key}</Key></PostResponse>`, 'application/xml');
  }

  /** A finished operation's result file (`url`). */
  result(n: number): string | undefined {
    return this.results.get(n);
  }

  run(args: { mutation: string; stagedUploadPath: string }, ctx: Ctx, runLine: RunLine) {
    const refuse = (code: string, message: string) => ({
      bulkOperation: null,
      userErrors: [{ code, field: null, message }],
    });
    const file = this.files.get(args.stagedUploadPath);
    if (!file)
      return refuse(
        'NO_SUCH_FILE',
        'The JSONL file could not be found. Try uploading the file again, and check that you have entered the correct file name.',
      );
    let doc: DocumentNode;
    try {
      doc = parse(args.mutation);
    } catch {
      return refuse('INVALID_MUTATION', 'Failed to parse the mutation.');
    }
    const ops = doc.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
    );
    if (
      validate(schema, doc).length > 0 ||
      ops.length !== 1 ||
      ops[0]?.operation !== 'mutation' ||
      ops[0].selectionSet.selections.length !== 1
    ) {
      return refuse(
        'INVALID_MUTATION',
        'Invalid mutation: give exactly one mutation with one field.',
      );
    }
    const lines: Record<string, unknown>[] = [];
    for (const raw of file.split('\n')) {
      if (raw.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = null;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return refuse(
          'INVALID_STAGED_UPLOAD_FILE',
          `Line ${lines.length + 1} of the JSONL file is not a JSON object.`,
        );
      }
      lines.push(Object.fromEntries(Object.entries(value)));
    }
    this.progress(ctx, runLine);
    const running = this.ops.filter((o) => o.status !== 'COMPLETED').length;
    // Five concurrent bulk mutations per shop from 2026-01, one before.
    if (running >= (ctx.version >= '2026-01' ? 5 : 1)) {
      return refuse(
        'OPERATION_IN_PROGRESS',
        'A bulk mutation operation for this app and shop is already in progress.',
      );
    }
    const op: BulkOp = {
      n: this.ops.length + 1,
      status: 'CREATED',
      createdAt: ctx.now,
      doneAt: ctx.now + ctx.bulkMs,
      completedAt: null,
      doc,
      query: args.mutation,
      lines,
      version: ctx.version,
    };
    this.ops.push(op);
    return { bulkOperation: this.view(op, ctx.origin), userErrors: [] };
  }

  find(id: string, ctx: Ctx, runLine: RunLine) {
    this.progress(ctx, runLine);
    const op = this.ops.find((o) => `gid://shopify/BulkOperation/${o.n}` === id);
    return op ? this.view(op, ctx.origin) : null;
  }

  latest(ctx: Ctx, runLine: RunLine) {
    this.progress(ctx, runLine);
    const op = this.ops.at(-1);
    return op ? this.view(op, ctx.origin) : null;
  }

  /** Moves operations on with the clock; a finished one runs its lines into the result file. */
  progress(ctx: Ctx, runLine: RunLine): void {
    for (const op of this.ops) {
      if (op.status === 'CREATED' && ctx.now > op.createdAt) op.status = 'RUNNING';
      if (op.status !== 'RUNNING' || ctx.now < op.doneAt) continue;
      const out = op.lines.map((variables, i) => {
        const r = runLine(op.doc, variables, { ...ctx, version: op.version });
        return JSON.stringify({
          ...(r.errors ? { errors: r.errors.map((e) => e.toJSON()) } : {}),
          data: r.data ?? null,
          __lineNumber: i,
        });
      });
      this.results.set(op.n, `${out.join('\n')}\n`);
      op.status = 'COMPLETED';
      op.completedAt = ctx.now;
    }
  }

  private view(op: BulkOp, origin: string) {
    const done = op.status === 'COMPLETED';
    return {
      id: `gid://shopify/BulkOperation/${op.n}`,
      status: op.status,
      type: 'MUTATION',
      errorCode: null,
      objectCount: done ? String(op.lines.length) : '0',
      rootObjectCount: done ? String(op.lines.length) : '0',
      url: done ? `${origin}/_results/${op.n}.jsonl` : null,
      partialDataUrl: null,
      createdAt: iso(op.createdAt),
      completedAt: op.completedAt === null ? null : iso(op.completedAt),
      query: op.query,
    };
  }
}
