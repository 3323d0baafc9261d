// A stand-in for the gateway that serves the built stock wall and speaks the stream protocol
// (protocol/stream.ts) for a synthetic catalog, so the web benchmark measures the browser alone:
// on two shared cores a real wrangler dev pushing 500 changes a second would take the CPU the
// page needs, and seeding 20,000 SKUs through it takes many minutes.
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { shardOf } from '../../protocol/shard.ts';

const SHARDS = 4;
const PAGE_ROWS = 100;
const LOCATIONS = ['MAN-1', 'LON-1', 'RTM-1', 'MAD-1', 'STO-1'];
const NOW = new Date().toISOString();

type Levels = {
  location: string;
  onHand: number;
  reserved: number;
  committed: number;
  unavailable: number;
  safetyStock: number;
  incoming: number;
  available: number;
  backordered: number;
};
type Row = { sku: string; seq: number; at: string; cursor: number; locations: Levels[] };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
};

/** A deterministic pseudo-random sequence (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

const level = (location: string, onHand: number): Levels => ({
  location,
  onHand,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available: onHand,
  backordered: 0,
});

export type FakeGateway = {
  url: string;
  /** Changes sent so far (all shards). */
  sent: () => number;
  /** Sends `perSecond` changes a second, spread over the shards, until `stop`. */
  startChanges: (perSecond: number) => void;
  stopChanges: () => void;
  close: () => Promise<void>;
};

export const startFakeGateway = async (dist: string, skuCount: number): Promise<FakeGateway> => {
  const rand = random(42);
  const skus = Array.from({ length: skuCount }, (_, i) => `BENCH-${String(i).padStart(6, '0')}`);
  const daily = skus.map(() => Math.round(rand() * 40 * 100) / 100);
  const heads = new Array<number>(SHARDS).fill(0);
  const rows = new Map<string, Row>();
  const byShard: Row[][] = Array.from({ length: SHARDS }, () => []);
  skus.forEach((sku, i) => {
    const shard = shardOf(sku, SHARDS);
    const stocked = LOCATIONS.slice(0, 1 + Math.floor(rand() * 3));
    heads[shard] = (heads[shard] ?? 0) + 1;
    const row: Row = {
      sku,
      seq: stocked.length,
      at: NOW,
      cursor: heads[shard] ?? 0,
      locations: stocked.map((l) => level(l, Math.round((daily[i] ?? 1) * 20 * rand()))),
    };
    rows.set(sku, row);
    byShard[shard]?.push(row);
  });
  const sockets = new Set<{ ws: WebSocket; shard: number }>();
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/v1/stream/info')
      return json(res, { shards: SHARDS, subprotocol: 'stockmesh.v1' });
    if (path === '/v1/skus') {
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const cursor = url.searchParams.get('cursor');
      const from = cursor === null ? 0 : skus.indexOf(cursor) + 1;
      const page = skus.slice(from, from + limit);
      return json(res, {
        items: page.map((code) => ({
          code,
          title: `Benchmark item ${code.slice(6)}`,
          gtin: null,
          attributes: { dailySales: daily[skus.indexOf(code)] ?? 0 },
          backorderPolicy: 'deny',
          createdAt: NOW,
          updatedAt: NOW,
        })),
        nextCursor: from + limit < skus.length ? (page.at(-1) ?? null) : null,
      });
    }
    if (path === '/v1/locations') {
      return json(res, {
        items: LOCATIONS.map((code) => ({
          code,
          name: code,
          kind: 'warehouse',
          region: 'UK',
          country: 'GB',
          latitude: 51,
          longitude: 0,
          createdAt: NOW,
          updatedAt: NOW,
        })),
      });
    }
    if (path === '/v1/channels') return json(res, { items: [] });
    const file = join(dist, path === '/' ? 'index.html' : path.slice(1));
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({
    server,
    path: '/v1/stream',
    handleProtocols: (offered) => (offered.has('stockmesh.v1') ? 'stockmesh.v1' : false),
  });
  wss.on('connection', (ws, req) => {
    const shard = Number(new URL(req.url ?? '', 'http://x').searchParams.get('shard') ?? 0);
    const head = heads[shard] ?? 0;
    ws.send(
      JSON.stringify({ type: 'hello', shard, head, from: 0, window: 100_000, confirmEvery: 1000 }),
    );
    const mine = byShard[shard] ?? [];
    for (let i = 0; i < mine.length; i += PAGE_ROWS) {
      const page = mine.slice(i, i + PAGE_ROWS);
      ws.send(
        JSON.stringify({
          type: 'snapshot',
          shard,
          cursor: page.at(-1)?.cursor ?? head,
          rows: page,
        }),
      );
    }
    ws.send(JSON.stringify({ type: 'caught-up', shard, cursor: head }));
    ws.on('message', (data) => {
      if (String(data) === 'ping') ws.send('pong');
    });
    const entry = { ws, shard };
    sockets.add(entry);
    ws.on('close', () => sockets.delete(entry));
  });

  /** One plausible movement: a hold, a commit, a shipment or a receipt. */
  const change = () => {
    const sku = skus[Math.floor(rand() * skus.length)] ?? '';
    const row = rows.get(sku);
    if (row === undefined) return;
    const shard = shardOf(sku, SHARDS);
    const l = row.locations[Math.floor(rand() * row.locations.length)];
    if (l === undefined) return;
    const r = rand();
    if (r < 0.4 && l.available > 0) l.reserved++;
    else if (r < 0.7 && l.reserved > 0)
      [l.reserved, l.committed] = [l.reserved - 1, l.committed + 1];
    else if (r < 0.9 && l.committed > 0) [l.committed, l.onHand] = [l.committed - 1, l.onHand - 1];
    else l.onHand += 12;
    l.available = Math.max(0, l.onHand - l.reserved - l.committed);
    row.seq++;
    row.at = new Date().toISOString();
    heads[shard] = (heads[shard] ?? 0) + 1;
    row.cursor = heads[shard] ?? 0;
    const message = JSON.stringify({ type: 'update', shard, ...row });
    for (const s of sockets) if (s.shard === shard) s.ws.send(message);
    sent++;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    sent: () => sent,
    startChanges: (perSecond) => {
      const tickMs = 10;
      let due = 0;
      const started = performance.now();
      timer = setInterval(() => {
        // Paced by the clock, so a late timer catches up instead of lowering the rate.
        const target = Math.floor(((performance.now() - started) / 1000) * perSecond);
        for (; due < target; due++) change();
      }, tickMs);
    },
    stopChanges: () => clearInterval(timer),
    close: async () => {
      clearInterval(timer);
      for (const s of sockets) s.ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
