import type { StockmeshClient, StreamEvent } from '../../../client';

export type LinkState = 'loading' | 'live' | 'reconnecting' | 'refused';

export type StreamHandlers = {
  /** A row; `live` once the first snapshot of every shard is in (replays after a drop count). */
  row(event: Extract<StreamEvent, { type: 'update' }>, live: boolean): void;
  /** Rows of the first snapshot so far (for the loading message). */
  progress(rows: number): void;
  /** The first snapshot is complete on every shard. */
  ready(): void;
  state(state: LinkState, detail: string): void;
};

/**
 * Follows the whole stream with the typed client (one socket per shard, each resuming from its
 * cursor after a drop) and tells the page whether it is live: a shard that dropped is
 * `reconnecting` until its replay of what it missed is over.
 */
export const followStream = (client: StockmeshClient, on: StreamHandlers) => {
  const stream = client.stream({});
  const down = new Set<number>();
  let ready = false;
  let rows = 0;
  let state: LinkState = 'loading';
  const set = (next: LinkState, detail: string) => {
    if (next === state && next !== 'reconnecting') return;
    state = next;
    on.state(next, detail);
  };
  const done = (async () => {
    try {
      for await (const event of stream) {
        switch (event.type) {
          case 'update':
            if (!ready) on.progress(++rows);
            on.row(event, ready);
            break;
          case 'caught-up':
            down.delete(event.shard);
            if (!ready && event.all) {
              ready = true;
              on.ready();
            }
            if (ready && down.size === 0) set('live', '');
            break;
          case 'reconnecting':
            down.add(event.shard);
            set('reconnecting', `${down.size} of the stream's sockets dropped (${event.code})`);
            break;
          case 'lag':
            break;
        }
      }
    } catch (error) {
      set('refused', error instanceof Error ? error.message : String(error));
    }
  })();
  return { close: () => stream.close(), done };
};
