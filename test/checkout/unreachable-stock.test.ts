import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SkuStock } from '../../objects/SkuStock';
import { makeChannel, makeSites, makeSku, reserve } from './support';

let MAN: string;
let channel: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
  channel = await makeChannel([MAN]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const INTERNALS = 'SQLITE_IOERR at /var/lib/stock/7f3a.sqlite';

describe('a cart whose stock cannot be read', () => {
  it('answers 503 overloaded with a fixed message, logging what failed instead of returning it', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    vi.spyOn(SkuStock.prototype, 'getStock').mockRejectedValue(new Error(INTERNALS));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await reserve({ channel, lines: [{ sku, quantity: 1 }] });
    expect([res.status, res.body.error?.code]).toEqual([503, 'overloaded']);
    expect(JSON.stringify(res.body)).not.toContain(INTERNALS);
    expect(res.body.error?.message).toMatch(/retry/i);
    expect(logged.mock.calls.flat().map(String).join(' ')).toContain(INTERNALS);
  });
});
