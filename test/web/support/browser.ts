import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { repoRoot } from '../../../bench/lib/repo.ts';

/** Debian's Chromium (apt-get install chromium); playwright cannot download one here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and traces of the browser tests (gitignored). */
export const ARTIFACTS = join(repoRoot, 'test-artifacts', 'web');

/** Headless Chromium with the flags this sandbox needs (no GPU, no network beyond localhost). */
export const launchChromium = (): Promise<Browser> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
};
