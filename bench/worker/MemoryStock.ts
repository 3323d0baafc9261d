import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { SkuStock } from '../../objects/SkuStock';
import {
  type Decision,
  decide,
  type HoldRecord,
  type TransferRecord,
} from '../../objects/sku-stock/decide';
import type { MutationResult } from '../../objects/sku-stock/idempotency';
import { ApplyMeta } from '../../objects/sku-stock/inputs';
import { applyDelta, emptyLevels } from '../../objects/sku-stock/levels';
import { buildEvent, holdView, stockView, transferView } from '../../objects/sku-stock/views';
import { err, ok, type Result } from '../../protocol/errors';
import {
  BackorderPolicy,
  Command,
  type Levels,
  type MutationOutcome,
  SkuCode,
  type StockView,
} from '../../protocol/stock';

const Configure = z.object({ sku: SkuCode, policy: BackorderPolicy });

type State = { sku: string; policy: BackorderPolicy; seq: number; levels: Map<string, Levels> };
type Stored = { request: string; result: MutationResult };
/** The SkuStock RPC methods MemoryStock has: enough for every stock movement and GET stock. */
export type CounterRpc = Pick<SkuStock, 'configure' | 'apply' | 'getStock'>;

/**
 * The bench ceiling: part of SkuStock's RPC surface with its rules (the same `decide`, levels
 * and views), every record in memory: no SQLite, no StreamHub publish, no ledger flush, so the
 * cost of being the real counter shows as the difference. Holds never expire here (no alarm):
 * bench runs are far shorter than a hold's lifetime.
 */
export class MemoryStock extends DurableObject<Env> implements CounterRpc {
  private state: State | undefined;
  private readonly holds = new Map<string, HoldRecord>();
  private readonly transfers = new Map<string, TransferRecord>();
  private readonly idempotency = new Map<string, Stored>();

  /** Creates the counter or changes its policy, as SkuStock.configure. */
  async configure(input: unknown): Promise<StockView> {
    const { sku, policy } = Configure.parse(input);
    if (this.state && this.state.sku !== sku) {
      throw new Error(`MemoryStock for ${this.state.sku} cannot be configured as ${sku}`);
    }
    if (!this.state) this.state = { sku, policy, seq: 0, levels: new Map() };
    else if (this.state.policy !== policy) {
      this.record({ deltas: [], reason: 'policy_change' }, 'policy', { actor: 'catalog' }, policy);
    }
    return stockView(this.state);
  }

  /** Applies one stock command, as SkuStock.apply. */
  async apply(command: unknown, meta: ApplyMeta): Promise<MutationResult> {
    return this.applyOne(command, ApplyMeta.parse(meta));
  }

  async getStock(): Promise<Result<StockView>> {
    return this.state ? ok(stockView(this.state)) : unknownSku();
  }

  private applyOne(raw: unknown, meta: z.output<typeof ApplyMeta>): MutationResult {
    const state = this.state;
    if (!state) return unknownSku();
    const parsed = Command.safeParse(raw);
    if (!parsed.success) {
      return err('validation_failed', parsed.error.issues[0]?.message ?? 'Invalid command');
    }
    const cmd = parsed.data;
    const request = JSON.stringify(cmd);
    if (meta.key !== undefined) {
      const prior = this.idempotency.get(meta.key);
      if (prior && prior.request !== request) {
        return err('idempotency_key_reused', `SKU ${state.sku}: key ${meta.key} was reused`);
      }
      if (prior) return replayed(prior.result);
    }
    const result = this.decideAndRecord(state, cmd, meta);
    if (meta.key !== undefined) this.idempotency.set(meta.key, { request, result });
    return result;
  }

  private decideAndRecord(
    state: State,
    cmd: Command,
    meta: z.output<typeof ApplyMeta>,
  ): MutationResult {
    if (cmd.ifSeq !== undefined && cmd.ifSeq !== state.seq) {
      return err(
        'version_conflict',
        `SKU ${state.sku}: expected seq ${cmd.ifSeq}, current seq ${state.seq}`,
      );
    }
    const holdId = 'holdId' in cmd ? cmd.holdId : undefined;
    const transferId = 'transferId' in cmd ? cmd.transferId : undefined;
    const decided = decide(state, cmd, {
      now: Date.now(),
      hold: holdId === undefined ? undefined : this.holds.get(holdId),
      transfer: transferId === undefined ? undefined : this.transfers.get(transferId),
      scope: meta.scope,
      newId: (prefix) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`,
      inTransit: (location) => {
        let units = 0;
        for (const t of this.transfers.values())
          if (t.to === location) units += t.quantity - t.received;
        return units;
      },
    });
    if (!decided.ok) return decided;
    return ok(this.record(decided.value, cmd.op, { ...meta, ref: cmd.ref }));
  }

  /** SkuStock.record with Maps in place of its SQLite transaction. */
  private record(
    decision: Decision,
    type: MutationOutcome['event']['type'],
    meta: { actor: string; key?: string; ref?: string },
    policy?: BackorderPolicy,
  ): MutationOutcome {
    const state = this.state;
    if (!state) throw new Error('record() before configure()');
    const changed = decision.deltas.map(
      (d) => [d.location, applyDelta(state.levels.get(d.location) ?? emptyLevels(), d)] as const,
    );
    const levels = new Map([...state.levels, ...changed]);
    const next: State = { ...state, policy: policy ?? state.policy, seq: state.seq + 1, levels };
    const event = buildEvent(next, decision, type, { ...meta, at: Date.now() });
    if (decision.hold) this.holds.set(decision.hold.id, decision.hold);
    if (decision.transfer) this.transfers.set(decision.transfer.id, decision.transfer);
    this.state = next;
    return {
      replayed: false,
      event,
      stock: stockView(next),
      ...(decision.hold && { hold: holdView(next.sku, decision.hold) }),
      ...(decision.transfer && { transfer: transferView(next.sku, decision.transfer) }),
    };
  }
}

const unknownSku = () => err('unknown_sku', 'This SKU is not in the catalog');

const replayed = (result: MutationResult): MutationResult =>
  result.ok ? ok({ ...result.value, replayed: true }) : { ...result, replayed: true };
