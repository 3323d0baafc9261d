import { describe, expect, it } from 'vitest';
import { channelLag, lagAfter, lagReply } from './lag';

describe('lag', () => {
  it('is nothing at the head, else the changes, SKUs and age after the acked cursor', () => {
    const pending = (cursor: number) => ({ skus: 3, oldestChangedAt: 10_000 + cursor });
    expect(lagAfter(50, 50, pending, 20_000)).toEqual({ behind: 0, pendingSkus: 0, lagSeconds: 0 });
    expect(lagAfter(50, 40, pending, 20_000)).toEqual({
      behind: 10,
      pendingSkus: 3,
      lagSeconds: 9.96,
    });
    // A clock behind the rows' times never gives a negative age.
    expect(lagAfter(50, 40, pending, 0).lagSeconds).toBe(0);
    expect(lagAfter(50, 40, () => ({ skus: 0, oldestChangedAt: null }), 0).lagSeconds).toBe(0);
  });

  it('lists every acknowledgement with its lag and whether its key is connected', () => {
    const lag = channelLag({
      shard: 2,
      head: 9,
      acks: [
        { connector: 'k1', role: 'connector', cursor: 9, ackedAt: 0 },
        { connector: 'k2', role: 'admin', cursor: 4, ackedAt: null },
      ],
      connected: new Set(['k2']),
      lag: (acked) => ({ behind: 9 - acked, pendingSkus: 9 - acked, lagSeconds: 0 }),
    });
    expect(lag).toEqual({
      shard: 2,
      head: 9,
      subscribers: [
        {
          connector: 'k1',
          role: 'connector',
          shard: 2,
          head: 9,
          acked: 9,
          ackedAt: '1970-01-01T00:00:00.000Z',
          behind: 0,
          pendingSkus: 0,
          lagSeconds: 0,
          connected: false,
        },
        {
          connector: 'k2',
          role: 'admin',
          shard: 2,
          head: 9,
          acked: 4,
          ackedAt: null,
          behind: 5,
          pendingSkus: 5,
          lagSeconds: 0,
          connected: true,
        },
      ],
    });
  });

  it('answers an ack with the lag and, when connected, the sync', () => {
    const l = { behind: 2, pendingSkus: 1, lagSeconds: 1.5 };
    expect(lagReply(0, 7, 5, l, {})).toEqual({
      type: 'lag',
      shard: 0,
      acked: 5,
      head: 7,
      behind: 2,
      lagSeconds: 1.5,
    });
    const sync = { sync: { lagSeconds: 3, queueDepth: 4 } };
    expect(lagReply(0, 7, 5, l, sync)).toMatchObject(sync);
  });
});
