// `npm start`: the whole mesh on this machine. Applies the D1 migrations, starts the marketplace
// simulators (simulators/, on port 8790) and the mesh (wrangler dev, through wrangler's
// startWorker API: the same runtime, plus the MARKETPLACES service binding to the simulators,
// which wrangler.toml never declares, so a deploy never has it), and on first start seeds a demo
// catalog (locations, channels, the 2,605 SKUs of the real order stream in data/ and their
// opening stock) through the public API. Data persists in .wrangler/state, so later starts skip
// the seed; `npm start -- --reseed` runs it again (every step is idempotent). Every start then
// connects the demo channels to the simulators afresh (scripts/demo-connectors.ts). It builds the
// stock wall (web/) first and, once the demo is up, starts the traffic simulator
// (scripts/simulate.ts: `--speed N`, `--no-traffic`), which prints the wall's signed-in link.
// Ctrl-C stops the servers, the simulator and this script.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { buildWeb } from '../web/build.ts';
import { adsListingUrl, connectDemoAds } from './demo-ads.ts';
import {
  DEMO_CHANNELS,
  DEMO_LOCATIONS,
  type DemoSku,
  importChunks,
  openingStock,
  skusFromOrders,
} from './demo-catalog.ts';
import {
  connectDemoChannels,
  DEMO_CONNECTIONS,
  listingUrl,
  reportFirstSyncs,
} from './demo-connectors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const simulatorsPort = Number(process.env.SIMULATORS_PORT ?? 8790);
const simulators = `http://127.0.0.1:${simulatorsPort}`;
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
process.env.WRANGLER_SEND_METRICS = 'false';
const DEV_ADMIN_KEY = 'smk_dev_admin_local';
/**
 * Where the two servers find each other (wrangler's dev registry): this checkout's own, so another
 * checkout's simulators or a benchmark's never answer for these.
 */
const registry = path.join(root, '.wrangler', 'registry');
// Small requests: 5,000-line batches and 1,000-SKU imports stalled wrangler dev's local proxy.
const BATCH_LINES = 500;

const log = (message: string) => console.log(`[stockmesh] ${message}`);

/** A variable of .dev.vars (never committed), written there with `make()` if it is missing. */
const devVar = (name: string, make: () => string): string => {
  const file = path.join(root, '.dev.vars');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const match = new RegExp(`^${name}\\s*=\\s*"?([^"\\r\\n]+)"?\\s*$`, 'm').exec(text);
  if (match?.[1]) return match[1];
  const value = make();
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  writeFileSync(file, `${text}${separator}${name}=${value}\n`);
  log(`wrote ${name} to .dev.vars`);
  return value;
};

/** Runs a command to completion, output shown, failing on a non-zero exit. */
const run = (command: string, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the gateway answers /v1/health, or 90 s pass. */
const waitForHealth = async () => {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error(`${base}/v1/health did not answer within 90 s`);
};

type Call = { status: number; body: unknown };

const callOnce = async (
  key: string,
  method: string,
  route: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Call> => {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body,
    // An import or a batch of 5,000 lines takes seconds; a Worker that failed to start, forever.
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text: it is shown in errors
  }
  return { status: res.status, body: parsed };
};

/**
 * Calls the API, retrying while wrangler reloads (it restarts the Worker whenever a source file
 * changes, answering 503 or refusing connections meanwhile). Every seeding call is idempotent.
 */
const call = async (...args: Parameters<typeof callOnce>): Promise<Call> => {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await callOnce(...args);
      if (res.status !== 503 || attempt === 8) return res;
    } catch (error) {
      if (attempt === 8) throw error;
    }
    log(`${args[1]} ${args[2]}: the Worker is restarting; retrying (${attempt})`);
    await sleep(2000);
  }
};

const expectStatus = (what: string, res: Call, ...ok: number[]) => {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
};

const catalogIsEmpty = async (key: string): Promise<boolean> => {
  const res = await call(key, 'GET', '/v1/skus?limit=1');
  expectStatus('listing SKUs', res, 200);
  const { body } = res;
  return (
    typeof body === 'object' &&
    body !== null &&
    'items' in body &&
    Array.isArray(body.items) &&
    body.items.length === 0
  );
};

// Kept beside the local data it describes, so wiping .wrangler/state starts over.
const seedMarker = path.join(root, '.wrangler', 'state', 'stockmesh-demo-seed');
const seedState = () => (existsSync(seedMarker) ? readFileSync(seedMarker, 'utf8').trim() : '');

const seed = async (key: string, skus: readonly DemoSku[]) => {
  mkdirSync(path.dirname(seedMarker), { recursive: true });
  writeFileSync(seedMarker, 'started\n');
  const started = Date.now();
  for (const location of DEMO_LOCATIONS) {
    const res = await call(key, 'POST', '/v1/locations', JSON.stringify(location));
    expectStatus(`creating location ${location.code}`, res, 201, 409);
  }
  for (const channel of DEMO_CHANNELS) {
    const res = await call(key, 'POST', '/v1/channels', JSON.stringify(channel));
    expectStatus(`creating channel ${channel.code}`, res, 201, 409);
  }
  log(`${DEMO_LOCATIONS.length} locations and ${DEMO_CHANNELS.length} channels`);

  let imported = 0;
  for (const chunk of importChunks(skus)) {
    const res = await call(key, 'POST', '/v1/skus/import', chunk, {
      'content-type': 'application/x-ndjson',
    });
    expectStatus('importing SKUs', res, 200);
    imported += chunk.split('\n').length;
    log(`imported ${imported} / ${skus.length} SKUs`);
  }

  const lines = openingStock(skus);
  for (let n = 0; n * BATCH_LINES < lines.length; n++) {
    const batch = lines.slice(n * BATCH_LINES, (n + 1) * BATCH_LINES);
    // The key makes a re-run replay these lines instead of receiving the stock twice.
    const res = await call(key, 'POST', '/v1/movements/batch', JSON.stringify({ lines: batch }), {
      'idempotency-key': `seed-opening-${n}`,
    });
    if (res.status === 404) {
      log('warning: POST /v1/movements/batch is not there (404); no opening stock was loaded');
      break;
    }
    expectStatus('loading opening stock', res, 200);
    const failed =
      typeof res.body === 'object' && res.body !== null && 'failed' in res.body
        ? res.body.failed
        : '?';
    log(
      `opening stock: ${Math.min(lines.length, (n + 1) * BATCH_LINES)} / ${lines.length} lines (failed: ${failed})`,
    );
  }
  writeFileSync(seedMarker, 'done\n');
  log(`demo seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

/**
 * The stock wall's demo: scripts/simulate.ts prints the wall's signed-in link and replays the
 * order stream as traffic (`--no-traffic` or STOCKMESH_TRAFFIC=off: the link only; `--speed N`).
 */
const startWall = (key: string) => {
  const args = ['scripts/simulate.ts', '--url', base, '--key', key, ...process.argv.slice(2)];
  const traffic = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), args, {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  traffic.on('exit', (code) => {
    if (code !== 0 && code !== null) log(`the traffic simulator stopped (exit ${code})`);
  });
  process.on('exit', () => traffic.kill());
};

/** The marketplace simulators, then the mesh bound to them; both stop on Ctrl-C. */
const startServers = async () => {
  const quiet = { logLevel: 'warn' as const };
  const marketplaces = await unstable_startWorker({
    config: path.join(root, 'simulators', 'wrangler.toml'),
    dev: {
      server: { hostname: '127.0.0.1', port: simulatorsPort },
      inspector: false,
      registry,
      watch: true,
      ...quiet,
    },
  });
  await marketplaces.ready;
  log(`marketplace simulators: ${simulators}/_sim`);
  const mesh = await unstable_startWorker({
    config: path.join(root, 'wrangler.toml'),
    // Local only: the mesh sends every marketplace request to the simulators (docs/connectors.md).
    bindings: { MARKETPLACES: { type: 'service', service: 'stockmesh-simulators' } },
    dev: { server: { hostname: '127.0.0.1', port }, registry, watch: true },
  });
  await mesh.ready;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([mesh.dispose(), marketplaces.dispose()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
};

const main = async () => {
  const key = devVar('ADMIN_KEY', () => DEV_ADMIN_KEY);
  // Encrypts connector credentials; a fresh random one per checkout (stored ones are the demo's,
  // which every start makes again).
  devVar('CONNECTOR_SECRET', () => randomBytes(32).toString('base64url'));
  await run(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local']);
  await buildWeb();
  log('built the stock wall (web/dist)');
  mkdirSync(registry, { recursive: true });
  await startServers();

  const orders = readFileSync(path.join(root, 'data', 'online-retail-2010-12.csv'), 'utf8');
  const skus = skusFromOrders(orders);
  try {
    await waitForHealth();
    const state = seedState();
    if (process.argv.includes('--reseed') || state === 'started') {
      log('seeding the demo catalog (again: every step is idempotent)…');
      await seed(key, skus);
    } else if (state === 'done') {
      log('demo catalog already seeded (npm start -- --reseed to run the seed again)');
    } else if (await catalogIsEmpty(key)) {
      log('empty catalog: seeding the demo…');
      await seed(key, skus);
    } else {
      log('the catalog has SKUs of its own: not seeding the demo');
    }
    if (seedState() === 'done') {
      const bound = (
        method: string,
        route: string,
        body?: string,
        headers?: Record<string, string>,
      ) => call(key, method, route, body, headers);
      const codes = skus.map((s) => s.code);
      await connectDemoChannels({ call: bound, simulators, skus: codes, log });
      await connectDemoAds({ call: bound, skus: codes, log });
      void reportFirstSyncs({ call: bound, simulators, log }).catch((error: unknown) =>
        log(`first sync report failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  } catch (error) {
    log(`setup failed: ${error instanceof Error ? error.message : String(error)}`);
    log('wrangler keeps running; fix the cause and npm start again: the seed resumes');
  }
  log(`ready: ${base}`);
  log(`API docs: ${base}/docs`);
  log(`admin key: ${key}  (curl -H "Authorization: Bearer ${key}" ${base}/v1/skus?limit=3)`);
  if (seedState() === 'done') {
    for (const c of DEMO_CONNECTIONS) {
      log(`${c.channel} on the simulated ${c.marketplace}: ${listingUrl(simulators, c)}`);
    }
    log(`ads paused and resumed by stock signals: ${adsListingUrl(simulators)}`);
  }
  startWall(key);
};

await main();
