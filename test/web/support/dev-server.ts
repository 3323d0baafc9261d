import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bin } from '../../../bench/lib/repo.ts';
import { applyD1Migrations, freePort, snapshotTree } from '../../../bench/lib/wrangler-dev.ts';

/** A `wrangler dev` of a snapshot of the tree, with state that survives a restart. */
export type WebServer = {
  url: string;
  adminKey: string;
  /** Stops wrangler (and its workerd) and starts it again on the same port and state. */
  restart: () => Promise<void>;
  /** Stops wrangler, keeping the state; `start` brings it back. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Stops wrangler and removes the snapshot and the state. */
  dispose: () => Promise<void>;
  logTail: (lines?: number) => string;
  /** Runs SQL on the server's local D1 (rows no public call can make, such as a stored recommendation). */
  d1: (sql: string) => Promise<void>;
};

// Never leave a wrangler behind: whatever ends the run, take down every group started here.
const running = new Set<ChildProcess>();
const workDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  for (const child of running) {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Stops wrangler and its workerd: the whole process group, even once wrangler has exited. */
const stopGroup = async (child: ChildProcess): Promise<void> => {
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      // already gone
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  kill('SIGKILL');
  running.delete(child);
};

const waitForHealth = async (url: string, child: ChildProcess, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/v1/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer ${url}/v1/health within ${timeoutMs} ms`);
};

/**
 * Starts the real Worker (web/dist included: build it first) with `wrangler dev` on a free port.
 * The tree is snapshotted so that edits by others do not reload it mid-test.
 */
export const startWebServer = async (
  options: { vars?: Record<string, string> } = {},
): Promise<WebServer> => {
  const work = await mkdtemp(join(tmpdir(), 'stockmesh-web-'));
  const tree = join(work, 'tree');
  const state = join(work, 'state');
  const logFile = join(work, 'wrangler.log');
  workDirs.add(work);
  snapshotTree(tree);
  mkdirSync(state);
  await applyD1Migrations(tree, 'wrangler.toml', state);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminKey = `smk_web_test_${Math.random().toString(36).slice(2)}`;
  const vars = { ADMIN_KEY: adminKey, ...options.vars };
  let child: ChildProcess | undefined;

  const start = async () => {
    const log = openSync(logFile, 'a');
    const inspector = await freePort();
    child = spawn(
      bin('wrangler'),
      [
        'dev',
        ...['--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector)],
        ...['--persist-to', state, '--log-level', 'warn', '--show-interactive-dev-session=false'],
        ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
      ],
      {
        cwd: tree,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
        detached: true,
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    running.add(child);
    await waitForHealth(url, child, 90_000);
  };
  const stop = async () => {
    if (child !== undefined) await stopGroup(child);
  };
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  try {
    await start();
  } catch (error) {
    await stop();
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTail()}`);
  }
  return {
    url,
    adminKey,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(work, { recursive: true, force: true });
      workDirs.delete(work);
    },
    logTail,
    d1: async (sql) => {
      const args = ['d1', 'execute', 'DB', '--local', '--config', 'wrangler.toml', '--persist-to'];
      await promisify(execFile)(bin('wrangler'), [...args, state, '--command', sql], {
        cwd: tree,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
      });
    },
  };
};
