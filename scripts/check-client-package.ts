// Proves client/ is a package another project can install by name (`npm run check:client`):
// builds it, packs it, installs the tarball in a fresh project with no network (its dependencies
// linked from this repository's node_modules), then imports @stockmesh/client there, calls it,
// and type-checks a use of it as a Node project resolves it. Exits 1 on the first failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClient } from './build-client.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const client = path.join(root, 'client');
const linked = (name: string) => `file:${path.join(root, 'node_modules', name)}`;

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Calls the installed client against a fetch that answers 404: the request and the error. */
const CALLER = `
import assert from 'node:assert/strict';
import { createStockmeshClient, StockmeshError } from '@stockmesh/client';

const seen = [];
const fetch = async (request) => {
  seen.push([request.method, request.url, request.headers.get('authorization')]);
  const error = { code: 'unknown_sku', message: 'SKU TEE-1 is not in the catalog', requestId: 'r1' };
  return Response.json({ error }, { status: 404 });
};
const client = createStockmeshClient({ baseUrl: 'http://mesh.test', apiKey: 'smk_k_s', fetch });
const failure = await client.stock('TEE-1').catch((e) => e);
assert.ok(failure instanceof StockmeshError, String(failure));
assert.equal(failure.code, 'unknown_sku');
assert.equal(failure.status, 404);
assert.deepEqual(seen, [['GET', 'http://mesh.test/v1/skus/TEE-1/stock', 'Bearer smk_k_s']]);
console.log('called by name:', failure.code, failure.status);
`;

/** A use of the types; the expect-error line fails the check if the types degrade to any. */
const TYPED = `
import { createStockmeshClient, type StockView } from '@stockmesh/client';

const client = createStockmeshClient({ baseUrl: 'http://mesh.test', apiKey: 'smk_k_s' });
export const available = async (sku: string): Promise<number> => {
  const view: StockView = await client.stock(sku);
  return view.locations.reduce((sum, l) => sum + l.available, 0);
};
// @ts-expect-error a SKU code is a string
export const wrong = () => client.stock(42);
`;

const main = async (): Promise<void> => {
  if (!process.argv.includes('--no-build')) await buildClient();
  const dir = mkdtempSync(path.join(tmpdir(), 'stockmesh-client-'));
  try {
    const [packed] = JSON.parse(
      run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], client),
    ) as { filename: string; files: { path: string }[] }[];
    if (packed === undefined) throw new Error('npm pack packed nothing');
    const stray = packed.files.filter(
      (f) => !f.path.startsWith('dist/') && !['package.json', 'README.md'].includes(f.path),
    );
    if (stray.length > 0) throw new Error(`packed outside dist: ${stray.map((f) => f.path)}`);
    const project = path.join(dir, 'project');
    mkdirSync(project);
    const manifest = {
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@stockmesh/client': `file:../${packed.filename}`,
        zod: linked('zod'),
        partysocket: linked('partysocket'),
        'event-target-polyfill': linked('event-target-polyfill'),
      },
    };
    writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    writeFileSync(path.join(project, 'call.mjs'), CALLER);
    process.stdout.write(run(process.execPath, ['call.mjs'], project));
    writeFileSync(path.join(project, 'typed.ts'), TYPED);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
      },
      files: ['typed.ts'],
    };
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
    console.log(`type-checked as a Node project: ${packed.filename}, ${packed.files.length} files`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

await main();
