import type { SignalEvent } from '../../protocol/webhooks';
import { webhooks } from '../stubs';

/**
 * Hands stock signals to the Webhooks object, which logs them, delivers them to the webhook
 * subscriptions and relays them to every ads connection, each from its own cursor
 * (docs/signals.md): a refusing ads connection holds no producer's outbox. Idempotent on each
 * signal's id, so a batch sent again after a failure is harmless. Throws when it was refused.
 */
export const deliverSignals = async (env: Env, events: SignalEvent[]): Promise<void> => {
  if (events.length === 0) return;
  await webhooks(env).publish(events);
};
