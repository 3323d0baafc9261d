import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, devFetch } from '../lib/api.ts';
import { configDrift } from '../lib/config-drift.ts';
import { type DevServer, startWranglerDev } from '../lib/wrangler-dev.ts';
import type { Target } from './types.ts';

/**
 * Starts the bench Worker (the real gateway and objects plus /bench/*) from a snapshot of the
 * tree, after checking that bench/wrangler.toml still mirrors wrangler.toml.
 */
export const startTarget = async (
  options: { counting?: boolean } = {},
): Promise<Target & { stop: () => Promise<void> }> => {
  // Static assets (web/dist) play no part in the API; the Worker treats ASSETS as optional.
  const drift = configDrift('wrangler.toml', 'bench/wrangler.toml', ['ASSETS']);
  if (drift.length > 0) {
    throw new Error(
      `bench/wrangler.toml no longer mirrors wrangler.toml:\n  ${drift.join('\n  ')}`,
    );
  }
  const key = `bench_${randomBytes(24).toString('hex')}`;
  const registry = await mkdtemp(join(tmpdir(), 'stockmesh-bench-registry-'));
  const server: DevServer = await startWranglerDev({
    config: 'bench/wrangler.toml',
    vars: {
      ADMIN_KEY: key,
      CONNECTOR_SECRET: randomBytes(32).toString('base64url'),
      // The counts scenario's hooks (bench/worker/counting.ts): absent from every other server.
      ...(options.counting && { BENCH_COUNTS: 'on' }),
    },
    registry,
    logLevel: process.env.BENCH_WRANGLER_LOG === 'info' ? 'info' : 'warn',
  });
  return {
    url: server.url,
    key,
    api: apiClient(server.url, key),
    persistTo: server.persistTo,
    pid: server.pid,
    inspectorPort: server.inspectorPort,
    registry,
    logTail: server.logTail,
    stop: async () => {
      await server.stop();
      rmSync(registry, { recursive: true, force: true });
    },
  };
};

/**
 * After a request lasting seconds, wrangler dev's proxy finds its pooled connection to workerd
 * reset: the next POST answers 503 (devFetch retries it) and the next GET may hang. A throwaway
 * POST takes that hit.
 */
export const absorbProxyReset = async (t: Target): Promise<void> => {
  try {
    const res = await devFetch(`${t.url}/bench/noop`, { method: 'POST' }, 10_000);
    await res.arrayBuffer();
  } catch {
    // Only ever a courtesy to the next request.
  }
};

/** Every process under `root` (by parent id, from /proc). */
const descendants = (root: number): number[] => {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces, so split after its closing paren.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
};

/**
 * The workerd process that runs the Worker and its objects. wrangler dev starts two: this one
 * (it has an inspector address) and a small one for its HTTP proxy.
 */
export const workerdPid = (t: Target): number => {
  if (t.pid === undefined) throw new Error('wrangler has no process id');
  const runtimes = descendants(t.pid).flatMap((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'workerd') return [];
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return [{ pid, inspector: args.some((a) => a.startsWith('--inspector-addr')) }];
    } catch {
      return [];
    }
  });
  const pid = (runtimes.find((r) => r.inspector) ?? runtimes[0])?.pid;
  if (pid === undefined) throw new Error(`no workerd process under wrangler (pid ${t.pid})`);
  return pid;
};

/** The other workerd of wrangler dev, its HTTP proxy (undefined if there is none). */
export const proxyWorkerdPid = (t: Target): number | undefined => {
  const runtime = workerdPid(t);
  if (t.pid === undefined) return undefined;
  return descendants(t.pid).find((pid) => {
    try {
      return pid !== runtime && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd';
    } catch {
      return false;
    }
  });
};

/** VmRSS of a process, in KiB (0 if it is gone). */
export const rssKiB = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** Open file descriptors of a process (0 if it is gone). */
export const openFiles = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};
