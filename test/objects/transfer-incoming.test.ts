import { beforeAll, describe, expect, it } from 'vitest';
import type { MutationOutcome, StockView } from '../../protocol/stock';
import { api } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';

type Envelope = { error: { code: string; message: string } };

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});

const at = (view: StockView, location: string) =>
  view.locations.find((l) => l.location === location);

describe('incoming units in transit on a transfer', () => {
  it('are not consumed by a purchase-order receipt, so the transfer can still be received', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    const sent = await post<MutationOutcome>(`/v1/skus/${code}/transfers`, {
      from: cat.a,
      to: cat.b,
      quantity: 5,
    });
    const transferId = sent.transfer?.transferId;
    const receipt = await api<MutationOutcome>(`/v1/skus/${code}/receive`, {
      body: { location: cat.b, quantity: 5, fromIncoming: true },
    });
    const arrived = await api<MutationOutcome & Envelope>(
      `/v1/skus/${code}/transfers/${transferId}/receive`,
      { body: {} },
    );
    expect([receipt.status, arrived.status, arrived.body.error]).toEqual([200, 200, undefined]);
    // Nothing was expected on a purchase order: the 5 in transit stayed incoming.
    expect(at(receipt.body.stock, cat.b)).toMatchObject({ onHand: 5, incoming: 5 });
    expect(arrived.body.transfer).toMatchObject({ status: 'received', received: 5 });
    expect(at(arrived.body.stock, cat.b)).toMatchObject({ onHand: 10, incoming: 0 });
  });

  it('leave expected purchase-order units to a receipt against incoming', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    await post(`/v1/skus/${code}/transfers`, {
      from: cat.a,
      to: cat.b,
      quantity: 4,
      transferId: 'TR-PO',
    });
    await post(`/v1/skus/${code}/expect`, { location: cat.b, quantity: 3 });
    const receipt = await post<MutationOutcome>(`/v1/skus/${code}/receive`, {
      location: cat.b,
      quantity: 5,
      fromIncoming: true,
    });
    // 3 were expected on the order; the 4 in transit are not the order's to take.
    expect(at(receipt.stock, cat.b)).toMatchObject({ onHand: 5, incoming: 4 });
    const arrived = await post<MutationOutcome>(`/v1/skus/${code}/transfers/TR-PO/receive`, {});
    expect(at(arrived.stock, cat.b)).toMatchObject({ onHand: 9, incoming: 0 });
  });
});
