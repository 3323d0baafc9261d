import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { type ClientsRun, closedLoop } from './loop.ts';
import { freePort } from './tools.ts';

// A throwaway redis-server with every write fsynced before it answers (appendonly,
// appendfsync always), and a hold as a user would write it there: one Lua script that checks
// the units left, takes them and records the hold.

const SKU = 'BENCH-HOT';
const STOCK = 1_000_000_000;

// KEYS: the SKU's hash, its holds stream. ARGV: quantity, expiry (ms since the epoch).
const HOLD = `
local onHand = tonumber(redis.call('HGET', KEYS[1], 'onHand'))
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved'))
local quantity = tonumber(ARGV[1])
if onHand - reserved < quantity then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', quantity)
redis.call('XADD', KEYS[2], '*', 'quantity', quantity, 'expiresAt', ARGV[2])
return 1`;

export type Redis = {
  version: string;
  run: (clients: number, seconds: number) => Promise<ClientsRun>;
  stop: () => Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const startRedis = async (bin: string): Promise<Redis> => {
  const dir = mkdtempSync(join(tmpdir(), 'stockmesh-bench-redis-'));
  const port = await freePort();
  const server: ChildProcess = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const connect = async () => {
    const c = createClient({ url });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  let admin: Awaited<ReturnType<typeof connect>> | undefined;
  for (let i = 0; admin === undefined; i++) {
    try {
      admin = await connect();
    } catch (e) {
      if (i > 50) throw e;
      await sleep(100);
    }
  }
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const fsync = await admin.configGet('appendfsync');
  if (fsync.appendfsync !== 'always') throw new Error(`appendfsync is ${fsync.appendfsync}`);
  await admin.hSet(`stock:${SKU}`, { onHand: STOCK, reserved: 0 });
  const sha = await admin.scriptLoad(HOLD);
  await admin.quit();
  return {
    version,
    run: async (clients, seconds) => {
      const conns = await Promise.all(Array.from({ length: clients }, connect));
      try {
        const hold = async (c: number) => {
          const client = conns[c];
          if (client === undefined) throw new Error(`no client ${c}`);
          const r = await client.evalSha(sha, {
            keys: [`stock:${SKU}`, `holds:${SKU}`],
            arguments: ['1', String(Date.now() + 600_000)],
          });
          return r === 1;
        };
        return await closedLoop(clients, seconds, hold);
      } finally {
        await Promise.all(conns.map((c) => c.quit()));
      }
    },
    stop: async () => {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
