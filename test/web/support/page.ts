import type { Page } from 'playwright-core';
// Declares window.stockmeshWall, the page's read-only probe.
import type { WallProbe } from '../../../web/src/live/test-hook.ts';

/** Waits until the wall is live (catalog loaded, every shard's snapshot in). */
export const waitLive = async (page: Page, timeout = 120_000): Promise<void> => {
  await page.waitForFunction(() => window.stockmeshWall?.state() === 'live', null, { timeout });
};

export type TileState = NonNullable<ReturnType<WallProbe['tile']>>;

/** A SKU's tile as the page draws it, or null when the filters hide it. */
export const tileOf = (page: Page, sku: string): Promise<TileState | null> =>
  page.evaluate((code) => window.stockmeshWall?.tile(code) ?? null, sku);

export const shownCount = (page: Page): Promise<number> =>
  page.evaluate(() => window.stockmeshWall?.shown() ?? -1);

/** Waits until the wall shows `count` tiles (filters apply after a short debounce). */
export const waitShown = async (page: Page, count: number, timeout = 5000): Promise<void> => {
  await page.waitForFunction((n) => window.stockmeshWall?.shown() === n, count, { timeout });
};

export const visibleCodes = (page: Page, limit = 100_000): Promise<string[]> =>
  page.evaluate((n) => window.stockmeshWall?.visibleCodes(n) ?? [], limit);

/** The number a counter at the top shows (thousands separators removed). */
export const counter = async (page: Page, id: string): Promise<number> =>
  Number((await page.locator(`#${id}`).textContent())?.replace(/[^\d-]/g, ''));

/** The colour the wall's canvas shows at a page point, as [r, g, b]. */
export const pixelAt = (page: Page, x: number, y: number): Promise<number[]> =>
  page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector('#wall-canvas');
      if (!(canvas instanceof HTMLCanvasElement)) return [];
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const data = canvas
        .getContext('2d')
        ?.getImageData(
          Math.floor((px - box.left) * scale),
          Math.floor((py - box.top) * scale),
          1,
          1,
        ).data;
      return data === undefined ? [] : [data[0] ?? 0, data[1] ?? 0, data[2] ?? 0];
    },
    [x, y] as const,
  );
