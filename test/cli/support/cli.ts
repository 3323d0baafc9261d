import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { run } from '../../../cli/main.ts';

const root = join(import.meta.dirname, '..', '..', '..');
export const meshUrl = () => inject('meshUrl');
export const adminKey = () => inject('adminKey');

export type Outcome = { code: number; out: string; err: string };

/** Runs `stockmesh …` in this process (the CLI's own `run`), against the test mesh by default. */
export const cli = async (args: string[], key = adminKey()): Promise<Outcome> => {
  let out = '';
  let err = '';
  const code = await run([...args, '--url', meshUrl(), '--key', key], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    errIsTty: false,
  });
  return { code, out, err };
};

/** Runs the real `stockmesh` bin as a child process, as `npx stockmesh` does. */
export const spawnCli = (args: string[], env: Record<string, string> = {}): Promise<Outcome> =>
  new Promise((resolve) => {
    const { STOCKMESH_URL: _u, STOCKMESH_KEY: _k, ...rest } = process.env;
    execFile(
      process.execPath,
      [join(root, 'cli', 'stockmesh.js'), ...args],
      { cwd: root, env: { ...rest, ...env } },
      (error, out, err) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, out, err });
      },
    );
  });

/** The admin API, for setting up and checking what the CLI did. */
export const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${meshUrl()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey()}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
};

/** Total on hand of a SKU over every location. */
export const onHand = async (sku: string): Promise<number> =>
  (await api<{ totals: { onHand: number } }>('GET', `/v1/skus/${sku}/stock`)).totals.onHand;
