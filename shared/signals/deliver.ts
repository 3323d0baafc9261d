import type { SignalEvent } from '../../protocol/webhooks';
import { signalAds } from '../ads/registry';
import { webhooks } from '../stubs';

/**
 * Hands stock signals to the webhook subscriptions and every ads connection; both take a signal
 * once by its id, so a batch sent again after a failure is harmless. Throws when any refused.
 */
export const deliverSignals = async (env: Env, events: SignalEvent[]): Promise<void> => {
  if (events.length === 0) return;
  const [hooks, ads] = await Promise.allSettled([
    webhooks(env).publish(events),
    signalAds(env, events),
  ]);
  if (hooks.status === 'rejected') throw hooks.reason;
  if (ads.status === 'rejected') throw ads.reason;
  const refused = ads.value.filter((r) => r.status === 'rejected');
  if (refused.length > 0) {
    throw new Error(`${refused.length} ads connection(s) refused ${events.length} signal(s)`, {
      cause: refused[0]?.reason,
    });
  }
};
