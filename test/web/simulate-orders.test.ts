import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../bench/lib/repo.ts';
import { parseInvoiceDate } from '../../scripts/order-stream.ts';
import { channelOf, timeline } from '../../scripts/simulate-orders.ts';

const events = timeline(readFileSync(`${repoRoot}data/online-retail-2010-12.csv`, 'utf8'));

describe("the simulator's replay of the order stream", () => {
  it('has every invoice once, in time order, idle gaps shortened', () => {
    // 67 invoices that are not cancellations hold only negative lines (write-offs of damaged or
    // lost stock, no customer): neither a cart nor a return.
    expect(events.length).toBe(1189);
    for (let i = 1; i < events.length; i++) {
      const gap = (events[i]?.minute ?? 0) - (events[i - 1]?.minute ?? 0);
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThanOrEqual(15);
    }
    // 13 days of trading hours, nights cut to a quarter of an hour.
    expect(events.at(-1)?.minute).toBeLessThan(13 * 24 * 60 * 0.6);
  });

  it('turns sales into carts with one line per SKU, and cancellations into returns', () => {
    const carts = events.filter((e) => e.kind === 'cart');
    const returns = events.filter((e) => e.kind === 'return');
    expect(returns.every((r) => r.invoice.startsWith('C'))).toBe(true);
    expect(carts.some((c) => c.invoice.startsWith('C'))).toBe(false);
    for (const cart of carts) {
      const skus = cart.lines.map((l) => l.sku);
      expect(new Set(skus).size).toBe(skus.length);
      expect(skus).not.toContain('POST');
      expect(cart.lines.every((l) => l.quantity > 0)).toBe(true);
    }
    const first = carts[0];
    expect(first?.invoice).toBe('536365');
    expect(first?.lines[0]).toEqual({ sku: '85123A', quantity: 6 });
  });

  it('sends UK shoppers to the web store or eBay and everyone else to Amazon', () => {
    expect(channelOf('536365', 'United Kingdom')).toBe('ebay-uk');
    expect(channelOf('536366', 'United Kingdom')).toBe('web-uk');
    expect(channelOf('536370', 'France')).toBe('amazon-eu');
    const carts = events.filter((e) => e.kind === 'cart');
    const share = (channel: string) =>
      carts.filter((c) => c.channel === channel).length / carts.length;
    expect(share('web-uk')).toBeGreaterThan(0.6);
    expect(share('amazon-eu')).toBeGreaterThan(0.05);
  });

  it('reads invoice dates as month/day/year', () => {
    expect(parseInvoiceDate('12/1/10 8:26')).toBe(Date.UTC(2010, 11, 1, 8, 26) / 60_000);
    expect(parseInvoiceDate('yesterday')).toBeUndefined();
  });
});
