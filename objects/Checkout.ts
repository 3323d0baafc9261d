import { DurableObject } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import type { z } from 'zod';
import { err, ok, type Result } from '../protocol/errors';
import type { ReservationView } from '../protocol/reservations';
import type { Cart, OpKind } from './checkout/cart';
import { CommitInput, ExtendInput, OpMeta, ReserveInput } from './checkout/input';
import migrations from './checkout/migrations/migrations.js';
import { drive, type Ports, Unsettled } from './checkout/runner';
import {
  forgetAt,
  guard,
  isFinished,
  newCart,
  nextAlarm,
  RESUME_DELAY_MS,
  startOp,
} from './checkout/saga';
import * as schema from './checkout/schema';
import { callStock, readStock, type StockCallSeam } from './checkout/stock-calls';
import { CartStore } from './checkout/store';
import { cartView } from './checkout/views';

/** What `view` needs of the caller: the channels its key may read. */
const ViewInput = OpMeta.pick({ channels: true });

const LIFECYCLE_TARGET = { commit: 'committed', release: 'released', extend: 'held' } as const;

/** A reservation's answer; `replayed` marks one given again for the same reservation id. */
export type ReserveResult = Result<ReservationView> & { replayed?: boolean };

/**
 * One cart (name = reservation id): holds every line on its SkuStock or none, and commits,
 * extends, releases and expires them together. Each step of the saga is saved before its calls
 * go out; the alarm resumes a step the object did not finish, and deletes the cart's storage
 * CART_RETENTION_MS after it ended.
 */
export class Checkout extends DurableObject<Env> {
  private readonly store: CartStore;
  /** Whether this object's SQLite has its tables: a reservation id nobody used writes nothing. */
  private migrated = false;
  private cart: Cart | undefined;
  private alarmAt: number | null = null;
  /** Ops on the cart run one at a time, in arrival order; reads do not wait. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Test seam: awaited around each SkuStock call a saga sends (crash tests stop it there). */
  readonly seam: StockCallSeam = {};

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CartStore(drizzle(ctx.storage, { schema }));
    void ctx.blockConcurrencyWhile(async () => {
      if (this.hasTables()) {
        await this.migrate();
        this.cart = this.store.load();
      }
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Holds the whole cart or nothing. The same reservation id again replays the first answer. */
  async reserve(input: z.input<typeof ReserveInput>): Promise<ReserveResult> {
    const parsed = ReserveInput.parse(input);
    return this.exclusive(async () => {
      const existing = this.cart;
      if (existing) {
        if (existing.input.request !== parsed.request) {
          return err(
            'idempotency_key_reused',
            `Reservation ${parsed.reservationId} was made with another request under this idempotency key`,
            { reservationId: parsed.reservationId },
          );
        }
        const done = await this.run(existing);
        return { ...(done.ok ? this.reserveAnswer(done.value, true) : done), replayed: true };
      }
      // Kept in memory only until the plan is saved: nothing is held before that, so a crash
      // while reading stock loses nothing, and it spares every cart one storage write.
      await this.migrate();
      this.cart = newCart(parsed, Date.now());
      const done = await this.run(this.cart);
      return done.ok ? this.reserveAnswer(done.value, false) : done;
    });
  }

  /** Commits every hold of the cart (reserved → committed), or none. */
  async commit(input: z.input<typeof CommitInput>): Promise<Result<ReservationView>> {
    const { actor, channels, ref } = CommitInput.parse(input);
    return this.lifecycle('commit', actor, channels, ref === undefined ? {} : { ref });
  }

  /** Releases every hold of the cart. */
  async release(input: z.input<typeof OpMeta>): Promise<Result<ReservationView>> {
    const { actor, channels } = OpMeta.parse(input);
    return this.lifecycle('release', actor, channels, {});
  }

  /** Moves the cart's deadline to `ttlSeconds` from now, on every hold. */
  async extend(input: z.input<typeof ExtendInput>): Promise<Result<ReservationView>> {
    const { actor, channels, ttlSeconds } = ExtendInput.parse(input);
    const deadline = Date.now() + ttlSeconds * 1000;
    return this.lifecycle('extend', actor, channels, { ttlSeconds, deadline });
  }

  /** The cart: status, lines and where each is held, expiry. */
  async view(input: z.input<typeof ViewInput>): Promise<Result<ReservationView>> {
    const { channels } = ViewInput.parse(input);
    const cart = this.cart;
    if (!cart) return err('not_found', 'No such reservation');
    if (channels !== null && !channels.includes(cart.input.channel.code)) {
      return err(
        'forbidden',
        `This key may not read reservations of channel ${cart.input.channel.code}`,
      );
    }
    return ok(cartView(cart, Date.now()));
  }

  /** Resumes an op a crash interrupted, expires the cart at its deadline, or forgets it when done. */
  override async alarm(): Promise<void> {
    await this.exclusive(async () => {
      this.alarmAt = null;
      const cart = this.cart;
      if (!cart) return;
      const now = Date.now();
      if (cart.op) await this.run(cart);
      else if (cart.status === 'held' && cart.expiresAt !== null && now >= cart.expiresAt) {
        await this.run(this.save(startOp(cart, 'expire', 'system', now)));
      } else if (isFinished(cart) && now >= forgetAt(cart)) await this.forget();
      else this.arm(cart);
    });
  }

  private async lifecycle(
    kind: Extract<OpKind, 'commit' | 'release' | 'extend'>,
    actor: string,
    channels: string[] | null,
    fields: { ref?: string; ttlSeconds?: number; deadline?: number },
  ): Promise<Result<ReservationView>> {
    return this.exclusive(async () => {
      if (!this.cart) return err('not_found', 'No such reservation');
      // An op a crash left unfinished completes before the next one starts.
      const settled = await this.run(this.cart);
      if (!settled.ok) return settled;
      const now = Date.now();
      const allowed = guard(settled.value, kind, now, channels);
      if (!allowed.ok) return allowed;
      if (allowed.value === 'done') return ok(cartView(settled.value, now, true));
      const done = await this.run(this.save(startOp(settled.value, kind, actor, now, fields)));
      if (!done.ok) return done;
      const cart = done.value;
      if (cart.status !== LIFECYCLE_TARGET[kind]) {
        return {
          ok: false,
          error: cart.failure ?? {
            code: 'internal',
            message: `Reservation ${kind} did not finish`,
          },
        };
      }
      return ok(cartView(cart, Date.now()));
    });
  }

  private reserveAnswer(cart: Cart, replayed: boolean): ReserveResult {
    if (cart.heldAt === null && cart.failure !== null) return { ok: false, error: cart.failure };
    return ok(cartView(cart, Date.now(), replayed));
  }

  /** Drives the cart's op in flight, if any, to its end. */
  private async run(cart: Cart): Promise<Result<Cart>> {
    try {
      return ok(await drive(cart, this.ports()));
    } catch (e) {
      if (!(e instanceof Unsettled)) throw e;
      const c = this.cart;
      // Try again a little later rather than at once: the SKU that did not answer may be down.
      if (c?.op) this.save({ ...c, op: { ...c.op, resumeAt: Date.now() + RESUME_DELAY_MS } });
      // What failed goes to the logs only: a message from another layer may name internals.
      console.error(e.message, e.cause);
      const id = c?.input.reservationId ?? 'this reservation';
      return err(
        'overloaded',
        `Reservation ${id}: its stock could not be reached; it is finished or undone automatically within seconds, so retry shortly`,
      );
    }
  }

  private ports(): Ports {
    return {
      now: () => Date.now(),
      save: (c) => this.save(c),
      readStock: (skus) => readStock(this.env, skus),
      call: (calls, actor) => callStock(this.env, calls, actor, this.seam),
    };
  }

  private save(cart: Cart): Cart {
    this.store.save(cart);
    this.cart = cart;
    this.arm(cart);
    return cart;
  }

  private arm(cart: Cart): void {
    const at = nextAlarm(cart);
    if (at === this.alarmAt) return;
    this.alarmAt = at;
    void (at === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(at));
  }

  /** Deletes every trace of a finished cart; its reservation id then names no cart. */
  private async forget(): Promise<void> {
    this.cart = undefined;
    this.alarmAt = null;
    this.migrated = false;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private hasTables(): boolean {
    const found = this.ctx.storage.sql.exec(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cart'",
    );
    return found.toArray().length > 0;
  }

  private async migrate(): Promise<void> {
    if (this.migrated) return;
    await migrate(drizzle(this.ctx.storage), migrations);
    this.migrated = true;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
