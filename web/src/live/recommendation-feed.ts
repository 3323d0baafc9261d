import type { StockmeshClient } from '../../../client';
import {
  type ClientMessage,
  FATAL_CLOSE_CODES,
  type RecommendationMessage,
  ServerMessage,
  STREAM_SUBPROTOCOL,
} from '../../../protocol/stream';

// Recommendations as the stream sends them (docs/stream.md, `recommendations=true&rows=false`):
// one socket per shard with no stock rows, so the typed client's own sockets carry the stock and
// these only the changed recommendations. Messages are not replayed, so after each (re)connect
// the page reads the list again (`resynced`).

const RETRY_MS = 2000;

export type RecommendationFeed = { close: () => void };

export const followRecommendations = (
  client: StockmeshClient,
  origin: string,
  on: {
    change: (m: RecommendationMessage) => void;
    /** A socket (re)connected: what it missed while away is only in GET /v1/recommendations. */
    resynced: () => void;
  },
): RecommendationFeed => {
  let closed = false;
  const sockets = new Set<WebSocket>();
  const open = async (shard: number) => {
    if (closed) return;
    let ws: WebSocket;
    try {
      const { ticket } = await client.streamTicket({});
      const url = new URL(`/v1/stream`, origin);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.search = new URLSearchParams({
        shard: String(shard),
        recommendations: 'true',
        rows: 'false',
        ticket,
      }).toString();
      ws = new WebSocket(url, [STREAM_SUBPROTOCOL]);
    } catch {
      window.setTimeout(() => void open(shard), RETRY_MS);
      return;
    }
    sockets.add(ws);
    let count = 0;
    let reported = 0;
    let every = Number.POSITIVE_INFINITY;
    let cursor = 0;
    ws.addEventListener('message', (e) => {
      if (typeof e.data !== 'string' || e.data === 'pong') return;
      let json: unknown;
      try {
        json = JSON.parse(e.data);
      } catch {
        json = undefined;
      }
      const parsed = ServerMessage.safeParse(json);
      count++;
      if (!parsed.success) return;
      const m = parsed.data;
      if (m.type === 'hello') every = m.confirmEvery;
      if ('cursor' in m && m.type !== 'resync') cursor = Math.max(cursor, m.cursor);
      if (m.type === 'caught-up') on.resynced();
      if (m.type === 'recommendation') on.change(m);
      // Flow control, as every subscriber must (docs/stream.md).
      if (m.type === 'snapshot' || m.type === 'caught-up' || count - reported >= every) {
        const received: ClientMessage = { type: 'received', count, cursor };
        ws.send(JSON.stringify(received));
        reported = count;
      }
    });
    ws.addEventListener('close', (e) => {
      sockets.delete(ws);
      if (!closed && !FATAL_CLOSE_CODES.includes(e.code)) {
        window.setTimeout(() => void open(shard), RETRY_MS);
      }
    });
  };
  void client.streamInfo().then(
    (info) => {
      for (let shard = 0; shard < info.shards; shard++) void open(shard);
    },
    () => {},
  );
  return {
    close: () => {
      closed = true;
      for (const ws of sockets) ws.close(1000, 'closed by the page');
    },
  };
};
