// Bench-only counts of what each user operation costs on Cloudflare's bill (bench/README.md,
// "counts"): Durable Object calls per class and method, SQL rows read and written in each class,
// D1 rows read and written, WebSocket frames sent and received. The hooks exist only in a bench
// Worker started with BENCH_COUNTS=on (the counts scenario's own server, or smoke's shared one
// when counts runs); even there they count only between POST /bench/counts/start and stop.
//
// Locally the Worker and every object share one isolate, so one module-level tally sees them all.

type Rows = { read: number; written: number };

/** What one counting window saw. */
export type Tally = {
  startedAt: number;
  /** HTTP requests the gateway served (the bench's own /bench/* routes are not counted). */
  workerRequests: number;
  /** Durable Object calls by `Class.method` (RPC methods, fetch, alarm, webSocketMessage). */
  calls: Record<string, number>;
  /** SQL rows read and written inside each class (SQL cursors and the KV API). */
  sql: Record<string, Rows>;
  /** D1 statements and rows (D1's own `meta.rows_read` / `rows_written`). */
  d1: Rows & { statements: number; batches: number };
  /** WebSocket frames objects sent (to subscribers) and received from them. */
  wsSent: number;
  wsReceived: number;
  /** Hooks that could not be installed: the counts are then incomplete. */
  problems: string[];
};

let tally: Tally | undefined;
const problems = new Set<string>();

/** SQL cursors opened while counting: their row counts grow as they are read, so summed late. */
const openCursors: { cls: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }[] =
  [];
/** Cursors kept before the oldest are summed early; by then they have long been read. */
const MAX_OPEN_CURSORS = 50_000;

const fresh = (): Tally => ({
  startedAt: Date.now(),
  workerRequests: 0,
  calls: {},
  sql: {},
  d1: { read: 0, written: 0, statements: 0, batches: 0 },
  wsSent: 0,
  wsReceived: 0,
  problems: [],
});

const rowsOf = (t: Tally, cls: string): Rows => {
  t.sql[cls] ??= { read: 0, written: 0 };
  return t.sql[cls];
};

const settleCursors = (keep = 0) => {
  const t = tally;
  while (openCursors.length > keep) {
    const c = openCursors.shift();
    if (c === undefined || t === undefined) continue;
    const rows = rowsOf(t, c.cls);
    rows.read += c.cursor.rowsRead;
    rows.written += c.cursor.rowsWritten;
  }
};

/** Starts a new window (dropping the last one). */
export const startCounting = (): void => {
  openCursors.length = 0;
  tally = fresh();
};

/** The window so far, cursors summed; counting goes on. */
export const readCounts = (): Tally | undefined => {
  settleCursors();
  return tally && { ...tally, problems: [...problems] };
};

export const stopCounting = (): Tally | undefined => {
  const t = readCounts();
  tally = undefined;
  openCursors.length = 0;
  return t;
};

export const countCall = (name: string): void => {
  if (tally) tally.calls[name] = (tally.calls[name] ?? 0) + 1;
};

export const countWorkerRequest = (): void => {
  if (tally) tally.workerRequests++;
};

// --- Durable Object stubs: every method called on a stub is one billed request -------------

const countingStub = <T extends object>(stub: T, cls: string): T =>
  new Proxy(stub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        countCall(`${cls}.${prop}`);
        return Reflect.apply(value, target, args);
      };
    },
  });

const countingNamespace = <T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  cls: string,
): DurableObjectNamespace<T> =>
  new Proxy(ns, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (prop !== 'get' && prop !== 'getByName') {
        return (...args: unknown[]) => Reflect.apply(value, target, args);
      }
      // A stub taken while counting is off stays the real stub.
      return (...args: unknown[]) => {
        const stub: object = Reflect.apply(value, target, args);
        return tally ? countingStub(stub, cls) : stub;
      };
    },
  });

// --- D1: every answer carries the rows it read and wrote --------------------------------------

type D1Answer = { meta?: { rows_read?: unknown; rows_written?: unknown } };
type D1Session = { _send?: (...args: unknown[]) => Promise<D1Answer | D1Answer[]> };
const PATCHED = Symbol('stockmesh-bench-counting');

const countD1 = (answer: D1Answer | D1Answer[]) => {
  if (!tally) return;
  const answers = Array.isArray(answer) ? answer : [answer];
  if (answers.length > 1) tally.d1.batches++;
  for (const a of answers) {
    tally.d1.statements++;
    tally.d1.read += Number(a.meta?.rows_read ?? 0);
    tally.d1.written += Number(a.meta?.rows_written ?? 0);
  }
};

/**
 * The binding's statements all go through its primary session's `_send` (workerd's D1 shim), the
 * one place that sees every answer's meta, batches included; `raw()` and `first()` drop it.
 */
const patchD1 = (db: D1Database): void => {
  const session: unknown = Reflect.get(db, 'alwaysPrimarySession');
  if (typeof session !== 'object' || session === null) {
    problems.add('D1: no alwaysPrimarySession on the binding; D1 rows not counted');
    return;
  }
  const s = session as D1Session & { [PATCHED]?: true };
  if (s[PATCHED]) return;
  const send = s._send;
  if (typeof send !== 'function') {
    problems.add('D1: no _send on the session; D1 rows not counted');
    return;
  }
  s._send = async (...args: unknown[]) => {
    const answer = await Reflect.apply(send, s, args);
    countD1(answer);
    return answer;
  };
  s[PATCHED] = true;
};

/** Whether this bench Worker was started to count (wrangler dev --var BENCH_COUNTS:on). */
export const countingEnabled = (env: object): boolean => Reflect.get(env, 'BENCH_COUNTS') === 'on';

/** The env with every Durable Object namespace counting its calls, and D1 counting its rows. */
export const countingEnv = <E extends object>(env: E): E => {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = isNamespace(value) ? countingNamespace(value, name) : value;
    if (name === 'DB' && isD1(value)) patchD1(value);
  }
  // The same bindings, some wrapped in proxies of their own type.
  return out as E;
};

const isNamespace = (v: unknown): v is DurableObjectNamespace =>
  typeof v === 'object' &&
  v !== null &&
  typeof Reflect.get(v, 'idFromName') === 'function' &&
  typeof Reflect.get(v, 'get') === 'function';

const isD1 = (v: unknown): v is D1Database =>
  typeof v === 'object' && v !== null && typeof Reflect.get(v, 'prepare') === 'function';

// --- An object's own storage: SQL cursors and the KV API ---------------------------------------

const define = (target: object, key: string | symbol, value: unknown) =>
  Object.defineProperty(target, key, { value, configurable: true, writable: true });

/**
 * Hooks `ctx.storage.sql.exec` (every cursor's rowsRead / rowsWritten) and the KV API (a key read
 * is a row read, a key written or deleted a row written) of one object, before its constructor
 * runs. Works because `ctx.storage.sql` is one object per storage (checked).
 */
export const countStorage = (ctx: DurableObjectState, cls: string): void => {
  const storage = ctx.storage;
  const sql = storage.sql;
  if (storage.sql !== sql) {
    problems.add(`${cls}: ctx.storage.sql is a new object per access; SQL rows not counted`);
    return;
  }
  // A storage object met again (an object rebuilt in the same isolate) is already hooked.
  if (Reflect.get(storage, PATCHED) === true) return;
  define(storage, PATCHED, true);
  const exec = sql.exec;
  define(sql, 'exec', (query: string, ...bindings: unknown[]) => {
    const cursor = Reflect.apply(exec, sql, [query, ...bindings]);
    if (tally) {
      openCursors.push({ cls, cursor });
      if (openCursors.length > MAX_OPEN_CURSORS) settleCursors(MAX_OPEN_CURSORS / 2);
    }
    return cursor;
  });
  const keys = (arg: unknown) => (Array.isArray(arg) ? arg.length : 1);
  const kvHooks = (target: object, methods: Record<string, 'read' | 'written' | 'entries'>) => {
    for (const [method, kind] of Object.entries(methods)) {
      const real: unknown = Reflect.get(target, method);
      if (typeof real !== 'function') continue;
      define(target, method, (...args: unknown[]) => {
        const result: unknown = Reflect.apply(real, target, args);
        if (tally) {
          const rows = rowsOf(tally, cls);
          if (kind === 'read') rows.read += keys(args[0]);
          else if (kind === 'written') rows.written += keys(args[0]);
        }
        return result;
      });
    }
  };
  kvHooks(storage, { get: 'read', put: 'written', delete: 'written' });
  const kv: unknown = Reflect.get(storage, 'kv');
  if (typeof kv === 'object' && kv !== null) {
    kvHooks(kv, { get: 'read', put: 'written', delete: 'written' });
  }
};

// --- WebSocket frames ------------------------------------------------------------------------

let wsPatched = false;
/** Counts every frame an object sends on a WebSocket (the hubs' subscriber messages). */
export const countWebSocketSends = (): void => {
  if (wsPatched) return;
  wsPatched = true;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    if (tally) tally.wsSent++;
    return Reflect.apply(send, this, args);
  };
};

export const countWebSocketReceived = (): void => {
  if (tally) tally.wsReceived++;
};
