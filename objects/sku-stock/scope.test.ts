import { describe, expect, it } from 'vitest';
import { checkScope } from './scope';
import type { HoldRecord, Scope, TransferRecord } from './types';

const hold: HoldRecord = {
  id: 'h1',
  status: 'committed',
  quantity: 3,
  channel: 'web',
  ref: null,
  allocations: [
    { location: 'A', quantity: 2, shipped: 2 },
    { location: 'B', quantity: 1, shipped: 0 },
  ],
  returned: 0,
  expiresAt: null,
  createdAt: 0,
  updatedAt: 0,
};
const transfer: TransferRecord = {
  id: 't1',
  from: 'A',
  to: 'B',
  quantity: 1,
  received: 0,
  createdAt: 0,
  updatedAt: 0,
};
const scope = (s: Partial<Scope>): Scope => ({ channels: null, locations: null, ...s });
const code = (r: ReturnType<typeof checkScope>) => (r.ok ? 'ok' : r.error.code);

describe('checkScope', () => {
  it("refuses a channel key on another channel's hold, and on a hold of no channel", () => {
    const web = scope({ channels: ['web'] });
    const other = scope({ channels: ['shop'] });
    expect(code(checkScope({ op: 'release', holdId: 'h1' }, { hold, scope: web }))).toBe('ok');
    for (const op of ['extend', 'release', 'commit', 'ship', 'cancel'] as const) {
      const cmd = op === 'extend' ? { op, holdId: 'h1', ttlSeconds: 5 } : { op, holdId: 'h1' };
      expect(code(checkScope(cmd, { hold, scope: other }))).toBe('forbidden');
    }
    const none = { ...hold, channel: null };
    expect(code(checkScope({ op: 'cancel', holdId: 'h1' }, { hold: none, scope: web }))).toBe(
      'forbidden',
    );
  });

  it('refuses a warehouse shipping units still outstanding at a location outside its scope', () => {
    const ship = { op: 'ship', holdId: 'h1' } as const;
    expect(code(checkScope(ship, { hold, scope: scope({ locations: ['A'] }) }))).toBe('forbidden');
    expect(code(checkScope(ship, { hold, scope: scope({ locations: ['B'] }) }))).toBe('ok');
  });

  it("refuses receiving a transfer anywhere but the key's own locations", () => {
    const receive = { op: 'transfer-in', transferId: 't1' } as const;
    const at = (locations: string[]) =>
      checkScope(receive, { transfer, scope: scope({ locations }) });
    expect(code(at(['A']))).toBe('forbidden');
    expect(code(at(['B']))).toBe('ok');
  });

  it('leaves what does not exist to the decision (unknown_hold, unknown_transfer)', () => {
    const s = scope({ channels: ['shop'], locations: ['Z'] });
    expect(code(checkScope({ op: 'release', holdId: 'h1' }, { scope: s }))).toBe('ok');
    expect(code(checkScope({ op: 'transfer-in', transferId: 't1' }, { scope: s }))).toBe('ok');
  });
});
