import { createStockmeshClient, type StockmeshClient } from '@stockmesh/client';
import { Option } from 'commander';
import { CliError, ExitCode, Unreachable } from './exit-codes.ts';

/** Where the mesh is and the key to it: options of every command, or the environment. */
export const connectionOptions = () => [
  new Option('--url <url>', 'the mesh, e.g. http://127.0.0.1:8787').env('STOCKMESH_URL'),
  new Option('--key <key>', 'an API key (admin for imports, keys and reconcile)').env(
    'STOCKMESH_KEY',
  ),
];

export type ConnectionFlags = { url?: string; key?: string };

/** The typed client for --url and --key; a fetch that fails to connect exits 4 (unreachable). */
export const connect = async (flags: ConnectionFlags): Promise<StockmeshClient> => {
  const { url, key } = flags;
  if (url === undefined || url === '') {
    throw new CliError('no mesh URL: pass --url or set STOCKMESH_URL', ExitCode.usage);
  }
  if (!/^https?:\/\//.test(url)) {
    throw new CliError(`--url ${url}: expected http:// or https://`, ExitCode.usage);
  }
  if (key === undefined || key === '') {
    throw new CliError('no API key: pass --key or set STOCKMESH_KEY', ExitCode.usage);
  }
  // Node 22 has a global WebSocket; Node 20 takes ws's.
  const WebSocket = globalThis.WebSocket ?? (await import('ws')).default;
  return createStockmeshClient({
    baseUrl: url,
    apiKey: key,
    WebSocket,
    fetch: async (request) => {
      try {
        return await fetch(request);
      } catch (error) {
        throw new Unreachable(url, error);
      }
    },
  });
};
