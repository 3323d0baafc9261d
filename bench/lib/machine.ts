import { execFileSync } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { repoRoot } from './repo.ts';

export type Machine = ReturnType<typeof machineInfo>;

const packageVersion = (name: string): string => {
  try {
    const text = readFileSync(`${repoRoot}node_modules/${name}/package.json`, 'utf8');
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed
      ? String(parsed.version)
      : 'unknown';
  } catch {
    return 'unknown';
  }
};

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

const FILESYSTEMS: Record<number, string> = {
  16914836: 'tmpfs',
  61267: 'ext4',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  2035054128: 'overlayfs',
};

/** The filesystem type under a path: local SQLite commits cost far more on a disk than on tmpfs. */
export const filesystemOf = (path: string): string => {
  try {
    const { type } = statfsSync(path);
    return FILESYSTEMS[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
};

/** What a figure depends on: hardware, load from other processes, and the toolchain versions. */
export const machineInfo = () => ({
  cpuModel: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  /** 1, 5 and 15 minute load averages when this was taken: other work on the machine skews figures. */
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  platform: `${process.platform} ${process.arch}`,
  node: process.version,
  wrangler: packageVersion('wrangler'),
  workerd: packageVersion('workerd'),
  miniflare: packageVersion('miniflare'),
  autocannon: packageVersion('autocannon'),
  gitCommit: git('rev-parse', '--short', 'HEAD'),
  gitDirty: git('status', '--porcelain').length > 0,
});
