import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

// Finding (or installing) the servers the baselines compare SkuStock with, and a free port.

/** A free TCP port on localhost. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

const onPath = (name: string): string | undefined => {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
};

/** Debian's PostgreSQL binaries directory (newest version), if installed. */
const postgresBin = (): string | undefined => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${root}/${versions[0]}/bin`;
};

/**
 * Installs a Debian package when it is missing and this process may (root with apt-get, as on
 * this project's machines); answers why not otherwise, so the scenario can skip with it.
 */
const aptInstall = (pkg: string, log: (line: string) => void): string | undefined => {
  if (process.getuid?.() !== 0) return `${pkg} is not installed and this user is not root`;
  if (onPath('apt-get') === undefined) return `${pkg} is not installed and there is no apt-get`;
  log(`  installing ${pkg} with apt-get (once per machine)`);
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 300_000,
    });
    return undefined;
  } catch (e) {
    return `apt-get install ${pkg} failed: ${e instanceof Error ? e.message : String(e)}`;
  }
};

export type Found = { ok: true; path: string } | { ok: false; why: string };

export const findPostgres = (log: (line: string) => void): Found => {
  let bin = postgresBin();
  if (bin === undefined) {
    const why = aptInstall('postgresql', log);
    if (why !== undefined) return { ok: false, why };
    bin = postgresBin();
  }
  return bin === undefined
    ? { ok: false, why: 'no /usr/lib/postgresql/*/bin/initdb after installing' }
    : { ok: true, path: bin };
};

export const findRedis = (log: (line: string) => void): Found => {
  let path = onPath('redis-server');
  if (path === undefined) {
    const why = aptInstall('redis-server', log);
    if (why !== undefined) return { ok: false, why };
    path = onPath('redis-server');
  }
  return path === undefined
    ? { ok: false, why: 'no redis-server on PATH after installing' }
    : { ok: true, path };
};
