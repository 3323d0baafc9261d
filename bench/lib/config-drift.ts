import { readFileSync } from 'node:fs';
import { repoRoot } from './repo.ts';

const all = (text: string, pattern: RegExp): string[] =>
  [...text.matchAll(pattern)].map((m) => m[1] ?? '').filter((v) => v !== '');

const line = (text: string, key: string): string | undefined =>
  new RegExp(`^${key}\\s*=.*$`, 'm').exec(text)?.[0];

/**
 * What the bench config lacks of the real one (both relative to the repository root): a Durable
 * Object binding, migration tag, binding, compatibility setting or module rule. A bench Worker
 * without them fails at the first request that needs them, after a minute of setup.
 */
export const configDrift = (
  realConfig: string,
  benchConfig: string,
  /** Names the bench leaves out on purpose. */
  omit: readonly string[] = [],
): string[] => {
  const real = readFileSync(`${repoRoot}${realConfig}`, 'utf8');
  const bench = readFileSync(`${repoRoot}${benchConfig}`, 'utf8');
  const problems: string[] = [];
  const sets: [string, RegExp][] = [
    ['Durable Object class', /^class_name\s*=\s*"([^"]+)"/gm],
    ['migration tag', /^tag\s*=\s*"([^"]+)"/gm],
    ['binding', /^binding\s*=\s*"([^"]+)"/gm],
    ['var', /^([A-Z][A-Z0-9_]*)\s*=/gm],
  ];
  for (const [what, pattern] of sets) {
    const have = new Set(all(bench, pattern));
    for (const name of all(real, pattern)) {
      if (!have.has(name) && !omit.includes(name))
        problems.push(`${what} ${name} is in ${realConfig}, not in ${benchConfig}`);
    }
  }
  for (const key of ['compatibility_date', 'compatibility_flags', 'rules']) {
    if (line(real, key) !== line(bench, key)) {
      problems.push(
        `${key} differs: ${line(real, key)} in ${realConfig}, ${line(bench, key)} in ${benchConfig}`,
      );
    }
  }
  return problems;
};
