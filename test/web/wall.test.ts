// The stock wall in Debian's Chromium against the real Worker under `wrangler dev`, seeded with
// the whole demo catalog of `npm start`. Screenshots go to test-artifacts/web/ (not committed).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CHANNELS, type DemoSku, openingStock } from '../../scripts/demo-catalog.ts';
import { ARTIFACTS, launchChromium } from './support/browser.ts';
import { startWebServer, type WebServer } from './support/dev-server.ts';
import {
  counter,
  pixelAt,
  shownCount,
  tileOf,
  visibleCodes,
  waitLive,
  waitShown,
} from './support/page.ts';
import { adminCall, createKey, seedDemo } from './support/seed.ts';

const SKU = '85123A';
/** A Standard Webhooks secret for the test receiver (docs/connectors.md, Webhook). */
const WEBHOOK_SECRET = 'whsec_c3RvY2ttZXNoLXNpbXVsYXRvci13ZWJob29rLXNlY3JldA==';

let server: WebServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let viewerKey: string;
let skus: DemoSku[];
/** A webhook receiver for the connected channels: `/ok` takes every push, `/refused` answers 401. */
let receiver: Server;
const received = new Map<string, number>();

const adjust = (sku: string, location: string, delta: number) =>
  adminCall(server.url, server.adminKey, 'POST', `/v1/skus/${encodeURIComponent(sku)}/adjust`, {
    location,
    delta,
    reason: 'damaged',
  });

const openWall = async (ctx: BrowserContext): Promise<Page> => {
  const p = await ctx.newPage();
  p.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await p.goto(`${server.url}/#key=${viewerKey}`);
  await waitLive(p);
  return p;
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url?.startsWith('/refused')) {
        res.writeHead(401).end();
        return;
      }
      const parsed: { data?: { items?: { sku: string; quantity: number }[] } } = JSON.parse(
        body || '{}',
      );
      for (const i of parsed.data?.items ?? []) received.set(i.sku, i.quantity);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  server = await startWebServer({
    vars: { CONNECTOR_SECRET: 'web-test-connector-secret-0123456789' },
  });
  try {
    skus = await seedDemo(server.url, server.adminKey);
    viewerKey = await createKey(server.url, server.adminKey);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await openWall(context);
  } catch (error) {
    console.error(server.logTail());
    throw error;
  }
});

afterAll(async () => {
  receiver?.close();
  await browser?.close();
  await server?.dispose();
});

describe('the stock wall', () => {
  it('loads every SKU of the demo catalog, with counters that add up', async () => {
    const opening = openingStock(skus);
    expect(await shownCount(page)).toBe(skus.length);
    expect(skus.length).toBe(2605);
    expect(await page.locator('#showing').textContent()).toBe('2,605 SKUs');
    // Only the service lines (postage, fees) have no stock at all.
    const unstocked = skus.filter((s) => !opening.some((l) => l.sku === s.code)).length;
    expect(await counter(page, 'c-out')).toBe(unstocked);
    expect(await counter(page, 'c-onhand')).toBe(opening.reduce((sum, l) => sum + l.quantity, 0));
    expect(await counter(page, 'c-held')).toBe(0);
    const tile = await tileOf(page, SKU);
    expect(tile?.status).toBe('healthy');
    await page.screenshot({ path: join(ARTIFACTS, 'wall-1280x800.png') });

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const small = await openWall(phone);
    expect(await shownCount(small)).toBe(skus.length);
    // Nothing wider than the screen, even with a long focus description: one column.
    await small.locator('#wall-canvas').focus();
    await small.keyboard.press('ArrowRight');
    await expect.poll(() => small.locator('#wall-focus').textContent()).toContain(' · ');
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await small.screenshot({ path: join(ARTIFACTS, 'wall-390x844.png'), fullPage: true });
    await phone.close();
  });

  it('shows an adjustment posted through the API on its tile and in the SKU detail within a second', async () => {
    const before = await tileOf(page, SKU);
    expect(before).not.toBeNull();
    if (before === null) return;
    const [cx, cy] = [before.x + before.size / 2, before.y + before.size / 2];
    // Hover first: the tooltip names the tile under the pointer.
    await page.mouse.move(cx, cy);
    await expect.poll(() => page.locator('#wall-tip').textContent()).toContain(SKU);
    // Open the detail the way a person does: click the tile.
    await page.mouse.click(cx, cy);
    const onHandCell = page.locator(
      '[data-testid="detail-levels"] tr[data-location="MAN-1"] td[data-field="onHand"]',
    );
    await page.locator('#detail-title').filter({ hasText: SKU }).waitFor();
    const onHandBefore = Number((await onHandCell.textContent())?.replace(/\D/g, ''));

    // Both are watched at once from the moment the adjustment is posted; the waits run longer
    // than a second only so that a slow run reports how slow it was.
    const posted = Date.now();
    let answered = 0;
    const adjusted = adjust(SKU, 'MAN-1', -5).then(() => {
      answered = Date.now() - posted;
    });
    const [onTile, inDetail] = await Promise.all([
      adjusted
        .then(() =>
          page.waitForFunction(
            ([code, sellable]) => window.stockmeshWall?.tile(code)?.sellable === sellable,
            [SKU, before.sellable - 5] as const,
            { timeout: 10_000, polling: 'raf' },
          ),
        )
        .then(async () => {
          const seen = Date.now() - posted;
          // That very tile flashes white on the canvas (drawn on the next frame, for 0.9 s).
          await expect
            .poll(() => pixelAt(page, cx, cy), { timeout: 800, interval: 16 })
            .toSatisfy(([r, g, b]: number[]) => [r, g, b].every((c) => (c ?? 0) > 150));
          return seen;
        }),
      adjusted
        .then(() =>
          page.waitForFunction(
            (expected) =>
              document
                .querySelector(
                  '[data-testid="detail-levels"] tr[data-location="MAN-1"] td[data-field="onHand"]',
                )
                ?.textContent?.replace(/\D/g, '') === expected,
            String(onHandBefore - 5),
            { timeout: 10_000, polling: 'raf' },
          ),
        )
        .then(() => Date.now() - posted),
    ]);
    console.log(
      `adjustment answered after ${answered} ms, seen on the tile after ${onTile} ms, in the detail after ${inDetail} ms`,
    );
    expect(onTile).toBeLessThan(1000);
    expect(inDetail).toBeLessThan(1000);

    // The detail lists the event with its reason and actor.
    await expect
      .poll(() => page.locator('[data-testid="detail-events"] li').first().textContent())
      .toMatch(/adjust MAN-1 onHand −5 · damaged · by /);
    await page.screenshot({ path: join(ARTIFACTS, 'detail-1280x800.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').isHidden()).toBe(true);
    // With the detail closed, the tooltip over the tile says the same.
    await page.mouse.move(cx, cy + 1);
    await expect
      .poll(() => page.locator('#wall-tip').textContent())
      .toContain(`${(before.sellable - 5).toLocaleString('en-GB')} units`);
    expect(await page.locator('#wall-tip').isVisible()).toBe(true);
  });

  it('lists an open recommendation with its reason, shows it in its SKU’s detail, and follows its dismissal on the stream', async () => {
    // Recommendations come from demand over closed days, which a fresh server has not seen: the
    // row is stored as a recompute stores it (docs/recommendations.md), then the page reloaded
    // to read the list.
    const id = `rc_${'7'.repeat(32)}`;
    const reason =
      `${SKU} at MAN-1 sells 14.2/day ± 3.1, 19 available, 1.3 days of cover, 0 incoming; ` +
      'supplier lead time 4 days ± 1; reorder point 70, order up to 86: order 67';
    await server.d1(
      'insert into recommendations (id, kind, sku, location, quantity, urgent_at, reason, numbers, basis, seq, computed_at) ' +
        `values ('${id}', 'replenish', '${SKU}', 'MAN-1', 67, '2026-01-01T00:00:00.000Z', '${reason}', ` +
        `'{"quantity":67}', '{"MAN-1":19}', 1, '2026-01-01T00:00:00.000Z')`,
    );
    await page.reload();
    await waitLive(page);
    const row = page.locator(`#recommendations tr[data-rec="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('title')).toBe(reason);
    expect((await row.locator('td').allTextContents()).slice(0, 5)).toEqual([
      SKU,
      'order',
      'MAN-1',
      '67',
      'now',
    ]);
    // Up to three clicks: in one CI rehearsal the first click opened no detail in 30 s (not
    // explained yet; it passed alone and in the whole file on a quiet machine). A click that never
    // opens it still fails here.
    const title = page.locator('#detail-title').filter({ hasText: SKU });
    for (let attempt = 1; ; attempt++) {
      await row.locator('button').click();
      const opened = await title.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (opened) break;
      if (attempt === 3)
        throw new Error(`three clicks on ${SKU}'s recommendation opened no detail`);
    }
    const inDetail = page.locator(`#detail .detail-recs li[data-rec="${id}"]`);
    await expect.poll(() => inDetail.locator('p').textContent()).toBe(reason);
    expect(await inDetail.locator('strong').textContent()).toBe('order 67 · MAN-1 · urgent now');
    // Dismissed through the API: the stream's `recommendation` message takes it off the panel
    // and the open detail within seconds (the panel re-reads the list only once a minute).
    await adminCall(server.url, server.adminKey, 'POST', `/v1/recommendations/${id}/dismiss`, {});
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    await inDetail.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await page.locator('#detail .detail-recs').textContent()).toContain('None open.');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').isHidden()).toBe(true);
  });

  it('shows each connected channel’s marketplace sync, and a SKU’s listed vs pushed per channel', async () => {
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const connect = (channel: string, path: string) =>
      adminCall(server.url, server.adminKey, 'PUT', `/v1/channels/${channel}/connection`, {
        kind: 'webhook',
        settings: { url: `${hook}${path}` },
        credentials: { secret: WEBHOOK_SECRET },
      });
    await connect('ebay-uk', '/ok');
    await connect('web-uk', '/refused');
    const sync = (channel: string, field: string) =>
      page.locator(`tr[data-sync="${channel}"] td[data-field="${field}"]`).textContent();
    // The receiver takes every SKU with stock (the others never reached the stream), then the
    // panel shows the channel caught up.
    const stocked = new Set(openingStock(skus).map((l) => l.sku)).size;
    await expect.poll(() => received.size, { timeout: 60_000 }).toBe(stocked);
    await expect.poll(() => sync('ebay-uk', 'depth'), { timeout: 10_000 }).toBe('0');
    expect(await sync('ebay-uk', 'state')).toBe('webhook');
    expect(await sync('ebay-uk', 'lag')).toBe('0.0 s');
    expect(await sync('ebay-uk', 'throttle')).not.toBe('');
    // A receiver that refuses the signature fails the connection at once, with its error; a
    // failing channel is degraded (its pushed quantities count as exposed: docs/connectors.md).
    await expect.poll(() => sync('web-uk', 'state'), { timeout: 10_000 }).toBe('failing degraded');
    expect(
      await page
        .locator('tr[data-sync="web-uk"] strong[data-field="degraded"]')
        .getAttribute('title'),
    ).toMatch(/^degraded \(/);
    await expect.poll(() => sync('web-uk', 'depth')).toBe(stocked.toLocaleString('en-GB'));
    expect(
      await page.locator('tr[data-sync-error="web-uk"] td[data-field="error"]').textContent(),
    ).toMatch(/^credentials_invalid at /);
    // Channels with no connection have no sync row.
    expect(await page.locator('tr[data-sync="shop-london"]').count()).toBe(0);

    const tile = await tileOf(page, SKU);
    if (tile === null) throw new Error(`${SKU} has no tile`);
    await page.mouse.click(tile.x + tile.size / 2, tile.y + tile.size / 2);
    await page.locator('#detail-title').filter({ hasText: SKU }).waitFor();
    const cell = (channel: string, field: string) =>
      page
        .locator(
          `[data-testid="detail-listed"] tr[data-channel="${channel}"] td[data-field="${field}"]`,
        )
        .textContent();
    const listed = Number((await cell('ebay-uk', 'listed'))?.replace(/\D/g, ''));
    expect(received.get(SKU)).toBe(listed);
    await expect.poll(() => cell('ebay-uk', 'sync')).toBe('shown');
    expect(await cell('ebay-uk', 'pushed')).toBe(listed.toLocaleString('en-GB'));
    expect(await cell('web-uk', 'pushed')).toBe('—');
    expect(await cell('web-uk', 'sync')).toBe('pending');
    expect(await cell('shop-london', 'sync')).toBe('not connected');
    // A change reaches the marketplace, and the detail shows it pushed.
    // ebay-uk lists half of MAN-1 and LON-1 (rounded down): 4 units fewer list 2 fewer.
    await adjust(SKU, 'MAN-1', -4);
    await expect.poll(() => received.get(SKU), { timeout: 10_000 }).toBe(listed - 2);
    await expect
      .poll(() => cell('ebay-uk', 'pushed'), { timeout: 10_000 })
      .toBe((listed - 2).toLocaleString('en-GB'));
    await page.screenshot({ path: join(ARTIFACTS, 'sync-1280x800.png') });
    await page.keyboard.press('Escape');
  });

  it('narrows the wall with the search box and the location, channel and status filters', async () => {
    const opening = openingStock(skus);
    const search = page.locator('#search');
    await search.fill('heart');
    const hearts = skus.filter((s) => `${s.code}\n${s.title}`.toLowerCase().includes('heart'));
    await waitShown(page, hearts.length);
    expect(await visibleCodes(page)).toEqual(hearts.map((s) => s.code));
    await search.fill('heart holder');
    const holders = hearts.filter((s) => s.title.toLowerCase().includes('holder'));
    await waitShown(page, holders.length);
    expect(holders.length).toBeLessThan(hearts.length);
    await search.fill('');
    await waitShown(page, skus.length);

    const stockedAt = (location: string) =>
      new Set(opening.filter((l) => l.location === location).map((l) => l.sku));
    await page.locator('#f-location').selectOption('STO-1');
    await waitShown(page, stockedAt('STO-1').size);
    expect(new Set(await visibleCodes(page))).toEqual(stockedAt('STO-1'));

    // A channel shows the SKUs its locations stock, graded on what it lists.
    const shop = DEMO_CHANNELS.find((c) => c.code === 'shop-london');
    expect(shop?.locations).toEqual(['LON-SHOP']);
    await page.locator('#f-channel').selectOption('shop-london');
    expect(await page.locator('#f-location').inputValue()).toBe('');
    await waitShown(page, stockedAt('LON-SHOP').size);
    await expect.poll(() => counter(page, 'c-onhand')).toBe(stockedAt('LON-SHOP').size * 6);

    await page.locator('#f-channel').selectOption('');
    await page.locator('#f-status').selectOption('out');
    const out = await counter(page, 'c-out');
    await waitShown(page, out);
    for (const code of await visibleCodes(page)) {
      expect((await tileOf(page, code))?.status).toBe('out');
    }
    await page.locator('#f-status').selectOption('all');
    await waitShown(page, skus.length);

    // Keyboard: the wall takes focus, arrows move it, Enter opens the SKU under it.
    const [, second] = await visibleCodes(page, 2);
    await page.locator('#wall-canvas').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#wall-focus').textContent()).toContain(`${second} ·`);
    await page.keyboard.press('Enter');
    await page
      .locator('#detail-title')
      .filter({ hasText: second ?? '' })
      .waitFor();
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('wall-canvas');
  });

  it('asks for a key when it has none, and refuses a wrong one', async () => {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await fresh.newPage();
    await p.goto(server.url);
    await p.locator('#sign-in').waitFor();
    await p.getByLabel('API key (viewer or above)').fill(`smk_0123456789abcdef_${'A'.repeat(43)}`);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.locator('#sign-in-error').textContent()).toContain('refused');
    await p.getByLabel('API key (viewer or above)').fill(viewerKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await waitLive(p);
    expect(await shownCount(p)).toBe(skus.length);
    await fresh.close();
  });

  it('reconnects after the server restarts and shows the changes made while it was away', async () => {
    const before = await tileOf(page, SKU);
    expect(before).not.toBeNull();
    await server.stop();
    await page.waitForFunction(() => window.stockmeshWall?.state() === 'reconnecting', null, {
      timeout: 60_000,
    });
    expect(await page.locator('#link').textContent()).toContain('Reconnecting');
    // Keep the page away until the change is made, so it can only learn of it by resuming.
    await context.setOffline(true);
    await server.start();
    await adjust(SKU, 'LON-1', -3);
    await adjust('71053', 'MAN-1', -1);
    expect(await page.evaluate(() => window.stockmeshWall?.state())).toBe('reconnecting');
    await context.setOffline(false);
    await waitLive(page, 90_000);
    const expected = (before?.sellable ?? 0) - 3;
    try {
      await page.waitForFunction(
        ([code, sellable]) => window.stockmeshWall?.tile(code)?.sellable === sellable,
        [SKU, expected] as const,
        { timeout: 30_000 },
      );
    } catch (error) {
      const stock = await adminCall(server.url, server.adminKey, 'GET', `/v1/skus/${SKU}/stock`);
      console.error('expected', expected, 'page', await tileOf(page, SKU), 'server', stock);
      throw error;
    }
    // The changes arrived as live changes: both are in the movement feed.
    await expect
      .poll(() => page.locator('#feed').textContent(), { timeout: 5000 })
      .toMatch(/71053MAN-1removedon hand −1/);
    expect(await page.locator('#feed').textContent()).toMatch(/85123ALON-1removedon hand −3/);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-after-restart-1280x800.png') });
  });
});
