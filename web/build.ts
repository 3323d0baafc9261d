// Builds the stock wall (web/src) into web/dist, which the Worker serves as static assets:
// `npm run build:web`. npm start, npm test and the web benchmark run it first.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const web = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.join(web, 'dist');

/**
 * zod's namespace object re-exports every error-message locale (some 250 kB minified); the page
 * only ever reports errors in English, so the locale index is replaced by English alone.
 */
const englishOnlyZod: Plugin = {
  name: 'english-only-zod',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** One bundle for the page (main.js, main.css, source maps) and index.html copied as is. */
export const buildWeb = async (): Promise<void> => {
  rmSync(WEB_DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: web,
    entryPoints: ['src/main.ts', 'src/main.css', 'src/index.html'],
    outdir: WEB_DIST,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    // Current Chromium and Firefox, and the phones of the last few years.
    target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
    loader: { '.html': 'copy' },
    logLevel: 'warning',
    plugins: [englishOnlyZod],
  });
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  await buildWeb();
  console.log(`[web] built web/dist in ${Date.now() - started} ms`);
}
