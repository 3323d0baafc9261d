import { z } from 'zod';
import type { SignalEvent } from '../../protocol/webhooks';

// When a channel counts as degraded (docs/connectors.md, "Degraded channels"): its marketplace
// lag passed the channel's threshold, or its connection is failing (credentials refused, or
// requests going nowhere). It recovers once the connection works and the lag is back under half
// the threshold, so a channel hovering at the threshold does not flap.

export const DEFAULT_DEGRADED_AFTER_SECONDS = 60;

export const DegradedState = z.object({
  since: z.number(),
  reason: z.enum(['lag', 'failing']),
});
export type DegradedState = z.infer<typeof DegradedState>;

/** The channel's state after a run: degraded since when and why, or null. */
export const judgeDegraded = (
  was: DegradedState | null,
  now: { lagSeconds: number; failing: boolean; at: number },
  thresholdSeconds: number,
): DegradedState | null => {
  if (was !== null) {
    return !now.failing && now.lagSeconds <= thresholdSeconds / 2 ? null : was;
  }
  if (now.failing) return { since: now.at, reason: 'failing' };
  if (now.lagSeconds > thresholdSeconds) return { since: now.at, reason: 'lag' };
  return null;
};

/**
 * The `channel_degraded` signal of one episode (id stable per episode, so a repeat is the same
 * signal), or its clearing once the channel recovered (`state: recovered`).
 */
export const degradedSignal = (
  channel: string,
  episode: DegradedState,
  p: { recovered: boolean; at: number; exposedSkus: number; lagSeconds: number },
): SignalEvent => ({
  id: `channel_degraded:${channel}:${episode.since}${p.recovered ? ':recovered' : ''}`,
  type: 'channel_degraded',
  at: new Date(p.at).toISOString(),
  channel,
  data: {
    state: p.recovered ? 'recovered' : 'degraded',
    reason: episode.reason,
    since: new Date(episode.since).toISOString(),
    exposedSkus: p.exposedSkus,
    lagSeconds: p.lagSeconds,
  },
});
