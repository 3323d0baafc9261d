import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ClientsRun, closedLoop } from './loop.ts';
import { freePort } from './tools.ts';

// A throwaway PostgreSQL cluster (Debian's binaries) in a temporary directory, with PostgreSQL's
// durable defaults (fsync on, synchronous_commit on), and what a user would write for a hold on
// it: one transaction of a row-locked conditional UPDATE and the hold's INSERT.

export type Postgres = {
  version: string;
  dataDir: string;
  run: (clients: number, seconds: number) => Promise<ClientsRun>;
  stop: () => Promise<void>;
};

const SKU = 'BENCH-HOT';
/** More units than any run can hold. */
const STOCK = 1_000_000_000;

/** initdb refuses root: as root the cluster belongs to Debian's `postgres` user. */
const asOwner = (bin: string, args: string[]) => {
  const root = process.getuid?.() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
};

export const startPostgres = async (bin: string): Promise<Postgres> => {
  const dir = mkdtempSync(join(tmpdir(), 'stockmesh-bench-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  const port = await freePort();
  asOwner(`${bin}/initdb`, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  asOwner(`${bin}/pg_ctl`, [
    '-D',
    dataDir,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses='' -c max_connections=100`,
    'start',
  ]);
  const connect = async () => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
    await c.connect();
    return c;
  };
  const admin = await connect();
  const version = String((await admin.query('SHOW server_version')).rows[0]?.server_version);
  await admin.query(`
    CREATE TABLE stock (sku text PRIMARY KEY, on_hand bigint NOT NULL, reserved bigint NOT NULL);
    CREATE TABLE holds (id bigserial PRIMARY KEY, sku text NOT NULL REFERENCES stock,
      quantity int NOT NULL, expires_at timestamptz NOT NULL);`);
  await admin.query('INSERT INTO stock VALUES ($1, $2, 0)', [SKU, STOCK]);
  await admin.end();
  return {
    version,
    dataDir,
    run: async (clients, seconds) => {
      const conns = await Promise.all(Array.from({ length: clients }, connect));
      try {
        // Prepared by name, as a pooled application would; the UPDATE takes the row lock.
        const hold = async (c: number) => {
          const client = conns[c];
          if (client === undefined) throw new Error(`no client ${c}`);
          await client.query('BEGIN');
          const taken = await client.query({
            name: 'take',
            text: 'UPDATE stock SET reserved = reserved + $2 WHERE sku = $1 AND on_hand - reserved >= $2',
            values: [SKU, 1],
          });
          if (taken.rowCount === 1) {
            await client.query({
              name: 'record',
              text: "INSERT INTO holds (sku, quantity, expires_at) VALUES ($1, $2, now() + interval '10 minutes')",
              values: [SKU, 1],
            });
          }
          await client.query('COMMIT');
          return taken.rowCount === 1;
        };
        return await closedLoop(clients, seconds, hold);
      } finally {
        await Promise.all(conns.map((c) => c.end()));
      }
    },
    stop: async () => {
      try {
        asOwner(`${bin}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
};
