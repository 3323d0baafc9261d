import { z } from 'zod';
import { afterNoAnswer, afterResponse, type Gate, mayGo, OPEN_GATE } from '../channel-sync/gate';
import type { AdsItem, AnyAdsAdapter, HttpRequest, HttpResponse } from './adapter';
import { targetOfAction } from './decide';
import type { ActionRow, AdsStore } from './store';

// Queued actions out to the ads API, under its limits. One attempt at a time: its action ids are
// recorded (status `sending`) before the request goes, so a crash between sending and recording
// the answer resends the same absolute statuses on restart, which the API applies once.

export type AdsSession = {
  adapter: AnyAdsAdapter;
  settings: unknown;
  credentials: unknown;
  /** The access token (fetched when missing or lapsing), or why there is none. */
  token(): Promise<
    | { ok: true; token: string | undefined }
    | { ok: false; code: string; message: string; retryable: boolean }
  >;
  dropToken(): void;
};

export type PusherPorts = {
  store: AdsStore;
  send: (req: HttpRequest) => Promise<HttpResponse>;
  now: () => number;
  random: () => number;
};

export type Health = {
  failing: boolean;
  lastError: { code: string; message: string; at: number } | null;
};

const Inflight = z.object({ ids: z.array(z.number().int()) });
const GateDoc = z.object({
  notBefore: z.number().nullable(),
  describe: z.string(),
  failures: z.number().int(),
});
const HealthDoc = z.object({
  failing: z.boolean(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.number() }).nullable(),
});

/** An alarm run sends for at most this long, then sets the alarm to carry on. */
const RUN_BUDGET_MS = 15_000;

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class AdsPusher {
  /** Token refreshes in the current run: a second refusal of a fresh token is a failure, not a loop. */
  private refreshes = 0;

  constructor(private readonly p: PusherPorts) {}

  get gate(): Gate {
    return GateDoc.safeParse(this.p.store.getMeta('gate')).data ?? OPEN_GATE;
  }

  get health(): Health {
    return (
      HealthDoc.safeParse(this.p.store.getMeta('health')).data ?? {
        failing: false,
        lastError: null,
      }
    );
  }

  /** A working connection (new credentials, resumed) gets its next try now. */
  retryNow(): void {
    this.p.store.setMeta('gate', { ...this.gate, notBefore: null, failures: 0 });
  }

  reset(): void {
    this.p.store.setMeta('gate', undefined);
    this.p.store.setMeta('health', undefined);
    this.p.store.setMeta('inflight', undefined);
  }

  /** Sends what is queued while the gate allows; the time to run again, or null when idle. */
  async run(session: AdsSession, paused: boolean): Promise<number | null> {
    const started = this.p.now();
    this.refreshes = 0;
    while (this.p.now() - started < RUN_BUDGET_MS) {
      const now = this.p.now();
      const gate = this.gate;
      if (!mayGo(gate, now)) return gate.notBefore;
      if (paused) return null;
      const batch = this.inflight() ?? this.take(session);
      if (batch.length === 0) return null;
      await this.attempt(session, batch);
    }
    return this.p.now();
  }

  /** The attempt a crash interrupted: the same actions, sent again as they were. */
  private inflight(): ActionRow[] | null {
    const doc = Inflight.safeParse(this.p.store.getMeta('inflight'));
    if (!doc.success) return null;
    const rows = this.p.store.actionsByIds(doc.data.ids).filter((a) => a.status === 'sending');
    return rows.length > 0 ? rows : null;
  }

  /** The next batch: queued actions of one request group, entities not already in flight. */
  private take(session: AdsSession): ActionRow[] {
    const { adapter, settings } = session;
    const max = adapter.maxBatch(settings);
    const queued = this.p.store.queued(Math.max(max * 4, 100));
    const first = queued[0];
    if (first === undefined) return [];
    const group = adapter.groupOf(this.item(first), settings);
    const batch: ActionRow[] = [];
    const entities = new Set<string>();
    for (const a of queued) {
      if (batch.length >= max) break;
      if (entities.has(a.entity) || adapter.groupOf(this.item(a), settings) !== group) continue;
      entities.add(a.entity);
      batch.push(a);
    }
    const now = this.p.now();
    // Recorded before the request leaves: a crash from here on resends this very attempt.
    for (const a of batch)
      this.p.store.updateAction(a.id, { status: 'sending', attempts: a.attempts + 1 });
    this.p.store.setMeta('inflight', { ids: batch.map((a) => a.id), at: now });
    return batch.map((a) => ({ ...a, status: 'sending', attempts: a.attempts + 1 }));
  }

  private item(a: ActionRow): AdsItem {
    const external: unknown = JSON.parse(this.p.store.entity(a.entity)?.external ?? 'null');
    return { entity: a.entity, external, target: targetOfAction(a.action) };
  }

  private async attempt(session: AdsSession, batch: ActionRow[]): Promise<void> {
    const { adapter } = session;
    const items = batch.map((a) => this.item(a));
    const token = await session.token();
    if (!token.ok) {
      const now = this.p.now();
      this.fail(token.code, token.message, now);
      this.p.store.setMeta(
        'gate',
        afterResponse(
          this.gate,
          { notBefore: null, describe: token.message },
          token.retryable ? 'retry' : 'fatal',
          now,
          this.p.random(),
        ),
      );
      this.requeue(batch, token.message);
      return;
    }
    const ctx = {
      settings: session.settings,
      credentials: session.credentials,
      now: this.p.now(),
      ...(token.token === undefined ? {} : { accessToken: token.token }),
    };
    let res: HttpResponse;
    try {
      res = await this.p.send(adapter.buildPush(items, ctx));
    } catch (e) {
      const now = this.p.now();
      const message = `no answer from the ads API: ${text(e)}`;
      this.p.store.setMeta('gate', afterNoAnswer(this.gate, message, now, this.p.random()));
      this.fail('unreachable', message, now, false);
      this.requeue(batch, message);
      return;
    }
    const now = this.p.now();
    const parsed = adapter.parsePush(items, res, now);
    const byEntity = new Map(parsed.items.map((o) => [o.entity, o]));
    let applied = 0;
    for (const a of batch) {
      const o = byEntity.get(a.entity);
      if (o?.status === 'applied') {
        applied++;
        this.p.store.updateAction(a.id, { status: 'applied', doneAt: now, error: null });
        this.p.store.setPushed(a.entity, targetOfAction(a.action), now);
        this.settleQueued(a.entity, now);
      } else if (o?.status === 'rejected') {
        this.p.store.updateAction(a.id, {
          status: 'failed',
          doneAt: now,
          error: `${o.code}: ${o.message}`,
        });
      } else {
        this.p.store.updateAction(a.id, {
          status: 'queued',
          error: o?.message ?? 'no outcome in the answer',
        });
      }
    }
    this.p.store.setMeta('inflight', undefined);
    if (parsed.refreshToken) session.dropToken();
    if (parsed.fatal) this.fail(parsed.fatal.code, parsed.fatal.message, now);
    else if (applied > 0 || parsed.items.every((o) => o.status !== 'retry'))
      this.p.store.setMeta('health', { failing: false, lastError: this.health.lastError });
    else
      this.fail(
        'retry',
        parsed.items.find((o) => o.status === 'retry')?.message ?? 'retry',
        now,
        false,
      );
    const result = parsed.fatal
      ? 'fatal'
      : parsed.items.some((o) => o.status === 'retry') && applied === 0
        ? 'retry'
        : 'ok';
    // An expired token is no failure of the API: the next attempt goes at once with a new one.
    const refresh = parsed.refreshToken === true && !parsed.fatal && this.refreshes++ === 0;
    const gate = refresh
      ? { ...this.gate, notBefore: null }
      : afterResponse(this.gate, parsed.throttle, result, now, this.p.random());
    this.p.store.setMeta('gate', gate);
  }

  /** A queued action the applied one already achieved is done. */
  private settleQueued(entity: string, now: number): void {
    const pushed = this.p.store.entity(entity)?.pushed;
    for (const a of this.p.store.openActions(entity)) {
      if (a.status === 'queued' && targetOfAction(a.action) === pushed) {
        this.p.store.updateAction(a.id, {
          status: 'superseded',
          doneAt: now,
          error: 'already in that status',
        });
      }
    }
  }

  private requeue(batch: ActionRow[], message: string): void {
    for (const a of batch) this.p.store.updateAction(a.id, { status: 'queued', error: message });
    this.p.store.setMeta('inflight', undefined);
  }

  private fail(code: string, message: string, at: number, failing = true): void {
    this.p.store.setMeta('health', {
      failing: failing || this.health.failing,
      lastError: { code, message, at },
    });
  }
}
