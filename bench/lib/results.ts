import { mkdir, writeFile } from 'node:fs/promises';
import { repoRoot } from './repo.ts';

/** Writes a result as bench/results/<name>-<timestamp>.json (gitignored) and returns its path. */
export const writeResults = async (name: string, data: unknown): Promise<string> => {
  const dir = `${repoRoot}bench/results`;
  await mkdir(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const path = `${dir}/${name}-${stamp}.json`;
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
};
