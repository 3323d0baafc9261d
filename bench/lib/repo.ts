import { fileURLToPath } from 'node:url';

/** The repository root: bench/lib/../.. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A binary installed under node_modules/.bin (npx would add a second of startup per call). */
export const bin = (name: string): string => `${repoRoot}node_modules/.bin/${name}`;
