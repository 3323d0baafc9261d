// Builds @stockmesh/client into client/dist, the package another project installs: one ES module
// bundling the client and the protocol schemas it uses (zod and partysocket stay dependencies),
// and its declarations. `npm run build:client`; npm install runs it (postinstall).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const client = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'client');
export const CLIENT_DIST = path.join(client, 'dist');
const TYPES = path.join(CLIENT_DIST, 'types');

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });

/**
 * tsc keeps import specifiers as written ('./admin', '.'); a consumer resolving as Node does
 * (moduleResolution NodeNext) needs the file's extension, so each relative one gets '.js'.
 */
const withExtensions = (dts: string): string =>
  dts.replace(
    /((?:from|import)\s*\(?\s*['"])(\.{1,2}(?:\/[^'"]*)?)(['"])/g,
    (whole: string, head: string, spec: string, tail: string) => {
      if (spec.endsWith('.js')) return whole;
      // '.' and '..' name a folder's index (tsc writes import(".") for a type of index.ts).
      const file = spec === '.' || spec === '..' ? `${spec}/index` : spec;
      return `${head}${file}.js${tail}`;
    },
  );

/** dist/index.js (with its source map) and dist/types (client/ and the protocol/ it uses). */
export const buildClient = async (): Promise<void> => {
  rmSync(CLIENT_DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: client,
    entryPoints: ['index.ts'],
    outfile: path.join(CLIENT_DIST, 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    external: ['zod', 'partysocket', 'partysocket/*'],
    logLevel: 'warning',
  });
  const tsc = path.join(client, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(client, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  for (const file of filesUnder(TYPES)) {
    if (file.endsWith('.d.ts')) writeFileSync(file, withExtensions(readFileSync(file, 'utf8')));
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildClient();
