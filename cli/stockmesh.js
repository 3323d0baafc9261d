#!/usr/bin/env node
// `npx stockmesh`: the operator's command line (docs/cli.md). The CLI is TypeScript, like the
// rest of the repository; tsx compiles it on the fly, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
