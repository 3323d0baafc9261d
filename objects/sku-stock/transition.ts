import type {
  BackorderPolicy,
  EventType,
  Levels,
  StockEvent,
  StockView,
} from '../../protocol/stock';
import { type DemandState, demandView, newDemand, record as recordDemand } from '../signals/demand';
import type { Decision } from './decide';
import { demandUnits } from './demand-units';
import { applyDelta, emptyLevels } from './levels';
import { buildEvent, stockView } from './views';

/** A SkuStock's counter in memory: the policy, the last seq and the levels per location. */
export type CounterState = {
  sku: string;
  policy: BackorderPolicy;
  seq: number;
  levels: Map<string, Levels>;
};

/** Everything one decided change makes, before any of it is written. */
export type Transition = {
  next: CounterState;
  /** The levels after the change, of each location it touched. */
  changed: Map<string, Levels>;
  event: StockEvent;
  /** The demand after the change, of each location it sold at. */
  demand: Map<string, DemandState>;
  /** The stock as of the change, demand included. */
  view: StockView;
};

/**
 * The next state of the counter after a decision: seq + 1, the deltas applied, the event that
 * records them, the demand it sold. Pure: the object writes it all in one transaction.
 */
export const transition = (
  state: CounterState,
  decision: Decision,
  type: EventType,
  meta: { actor: string; key?: string; ref?: string },
  now: number,
  demandAt: (location: string) => DemandState | undefined,
  policy: BackorderPolicy = state.policy,
): Transition => {
  const changed = new Map(
    decision.deltas.map((d) => [
      d.location,
      applyDelta(state.levels.get(d.location) ?? emptyLevels(), d),
    ]),
  );
  const levels = new Map([...state.levels, ...changed]);
  const next: CounterState = { sku: state.sku, policy, seq: state.seq + 1, levels };
  const event = buildEvent(next, decision, type, { ...meta, at: now });
  const demand = new Map(
    [...demandUnits(type, decision.deltas)].map(([location, units]) => [
      location,
      recordDemand(demandAt(location) ?? newDemand(now), units, now),
    ]),
  );
  const view = stockView(next, (location, available) => {
    const d = demand.get(location) ?? demandAt(location);
    return d === undefined ? undefined : demandView(d, available, now);
  });
  return { next, changed, event, demand, view };
};
