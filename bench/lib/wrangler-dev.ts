import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { bin, repoRoot } from './repo.ts';

const run = promisify(execFile);

/**
 * No metrics (no network here) and no interactive prompts; `registry`: the dev registry through
 * which this server's service bindings find the other servers of the run, and only them.
 */
const wranglerEnv = (registry?: string) => ({
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CI: '1',
  ...(registry !== undefined && { WRANGLER_REGISTRY_PATH: registry }),
});

export type DevServer = {
  url: string;
  persistTo: string;
  /** wrangler's process id (it leads the process group; workerd is among its descendants). */
  pid: number | undefined;
  /** wrangler's DevTools port: the Worker's inspector (bench/profile.ts records CPU profiles). */
  inspectorPort: number;
  /** The last lines wrangler and workerd wrote, to explain a failure. */
  logTail: (lines?: number) => string;
  /** Kills wrangler and workerd (the whole process group) and removes the state directory. */
  stop: () => Promise<void>;
};

export type DevOptions = {
  /** wrangler config, relative to the repository root, e.g. bench/wrangler.toml */
  config: string;
  vars?: Record<string, string>;
  /** Polled until it answers 200. */
  readyPath?: string;
  /** A dev registry directory shared with the servers its service bindings name. */
  registry?: string;
  /** Apply the config's D1 migrations first (default true; the simulators have no D1). */
  d1?: boolean;
  /** wrangler's --log-level; `info` logs every request (costly under load, useful to debug). */
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error';
  timeoutMs?: number;
};

/** A TCP port that was free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

const running = new Set<ChildProcess>();
/** Removes what a run left on disk; run at stop, or at exit if stop never came. */
const cleanups = new Set<() => void>();

// The whole group, even once wrangler itself has exited: its workerd may still be running.
const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
};

// Never leave a wrangler behind: on exit, Ctrl-C or kill, take down every group we started.
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  for (const cleanup of cleanups) cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

const stopChild = async (child: ChildProcess): Promise<void> => {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
  running.delete(child);
};

/** Applies the config's D1 migrations to the local database kept in `persistTo`. */
export const applyD1Migrations = async (
  cwd: string,
  config: string,
  persistTo: string,
): Promise<void> => {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local', '--config', config];
  await run(bin('wrangler'), [...args, '--persist-to', persistTo], {
    cwd,
    env: wranglerEnv(),
  });
};

const tail = (file: string, lines = 30) => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

// Never copied into a snapshot: dependencies are linked, the rest is history, output or state.
const NOT_COPIED = new Set(['node_modules', '.git', 'bench/results', 'test-artifacts', 'dist']);

/**
 * Copies the working tree (a few hundred kB) so that wrangler bundles and watches the copy:
 * other engineers edit this tree while a benchmark runs, and wrangler dev reloads the Worker on
 * any change to a file it bundled ("Your worker restarted mid-request").
 */
export const snapshotTree = (dest: string) => {
  cpSync(repoRoot, dest, {
    recursive: true,
    filter: (src) => {
      const rel = relative(repoRoot, src);
      return !NOT_COPIED.has(rel) && basename(src) !== '.wrangler';
    },
  });
  symlinkSync(join(repoRoot, 'node_modules'), join(dest, 'node_modules'));
};

/**
 * Snapshots the working tree into a temporary directory, applies D1 migrations to a fresh state
 * directory beside it, starts `wrangler dev` on a free port and waits until `readyPath`
 * answers. Request logging is off (--log-level warn): at thousands of requests a second it
 * would cost the proxy CPU the benchmark is measuring.
 */
export const startWranglerDev = async (options: DevOptions): Promise<DevServer> => {
  const work = await mkdtemp(join(tmpdir(), 'stockmesh-bench-'));
  const removeWork = () => {
    rmSync(work, { recursive: true, force: true });
    cleanups.delete(removeWork);
  };
  cleanups.add(removeWork);
  const tree = join(work, 'tree');
  const persistTo = join(work, 'state');
  try {
    snapshotTree(tree);
    mkdirSync(persistTo);
    if (options.d1 !== false) await applyD1Migrations(tree, options.config, persistTo);
  } catch (error) {
    removeWork();
    throw error;
  }
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const logFile = join(work, 'wrangler.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    bin('wrangler'),
    [
      'dev',
      ...['--config', options.config, '--ip', '127.0.0.1', '--port', String(port)],
      ...['--inspector-port', String(inspectorPort), '--persist-to', persistTo],
      ...[
        '--show-interactive-dev-session=false',
        '--log-level',
        options.logLevel ?? 'warn',
        ...vars,
      ],
    ],
    { cwd: tree, env: wranglerEnv(options.registry), detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  running.add(child);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    removeWork();
  };
  try {
    await waitReady(
      child,
      `${url}${options.readyPath ?? '/v1/health'}`,
      options.timeoutMs ?? 60_000,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const logTail = tail(logFile);
    await stop();
    throw new Error(`${message}\n--- wrangler log (last lines) ---\n${logTail}`);
  }
  return {
    url,
    persistTo,
    pid: child.pid,
    inspectorPort,
    logTail: (lines) => tail(logFile, lines),
    stop,
  };
};

const waitReady = async (child: ChildProcess, url: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer ${url} within ${timeoutMs} ms`);
};
