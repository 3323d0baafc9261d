#!/usr/bin/env node
// `npx stockmesh`: the operator's command line (docs/cli.md). The CLI is TypeScript, like the
// rest of the repository; tsx compiles it on the fly, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
// `stockmesh tail | head`: a reader that went away ends the output, not with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
