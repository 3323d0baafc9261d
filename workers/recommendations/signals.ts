import type { SignalEvent } from '../../protocol/webhooks';
import { webhooks } from '../../shared/stubs';
import type { Write } from './merge';

/**
 * The signal of a recommendation opened or changed by a recompute; its id is the apply key
 * (`rec:<id>:<revision>`), so figures that moved without changing the operation re-send the
 * same signal, which the Webhooks object takes once.
 */
export const recommendationSignal = (
  w: Exclude<Write, { action: 'expire' }>,
  at: string,
): SignalEvent => {
  const c = w.computed;
  const revision = w.action === 'insert' ? 1 : w.revision;
  return {
    id: `rec:${w.id}:${revision}`,
    type: 'recommendation',
    at,
    sku: c.sku,
    location: c.location,
    data: {
      recommendation: w.id,
      revision,
      kind: c.kind,
      from: c.from,
      quantity: c.quantity,
      urgentAt: c.urgentAt,
      reason: c.reason,
    },
  };
};

/** Hands a recompute's opened and changed recommendations to the signals (webhooks, feed). */
export const signalRecommendations = async (env: Env, writes: readonly Write[], at: string) => {
  const events = writes.flatMap((w) =>
    w.action === 'expire' ? [] : [recommendationSignal(w, at)],
  );
  if (events.length === 0) return;
  try {
    await webhooks(env).publish(events);
  } catch (error) {
    // Stored recommendations stand; the next change of the same one signals again.
    console.error(
      JSON.stringify({ recommendationSignals: { failed: events.length, error: String(error) } }),
    );
  }
};
