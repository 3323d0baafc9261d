import type { SignalEvent } from '../../../protocol/webhooks';

// Stock signals reach the wall's feed by polling GET /v1/signals (docs/signals.md): each new one
// is shown once, oldest first; a failed read is tried again at the next tick.

const REMEMBERED = 500;

/** Starts polling; answers a function that stops it. */
export const pollSignals = (
  read: () => Promise<SignalEvent[]>,
  show: (e: SignalEvent) => void,
  everyMs = 3000,
): (() => void) => {
  const seen = new Set<string>();
  let first = true;
  const tick = async () => {
    try {
      const items = await read();
      // The first page is history: show only its newest few.
      const fresh = [...items].reverse().filter((e) => !seen.has(e.id));
      for (const e of first ? fresh.slice(-10) : fresh) show(e);
      for (const e of fresh) seen.add(e.id);
      first = false;
      if (seen.size > REMEMBERED)
        for (const id of [...seen].slice(0, seen.size - REMEMBERED)) seen.delete(id);
    } catch (error) {
      console.warn('signals not read', error);
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  return () => clearInterval(timer);
};
