import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/stream';
import { admit, SOCKETS_PER_KEY } from './admission';

const viewer = { keyId: 'key_v', role: 'viewer' as const };

describe('admission of a socket', () => {
  it('refuses a revoked key with 4001', () => {
    expect(admit(viewer, { revoked: true, openSockets: 0 })).toEqual({
      error: { code: 'unauthorized', message: 'API key key_v was revoked' },
      closeCode: CloseCode.unauthorized,
    });
  });

  it(`refuses a key's socket past ${SOCKETS_PER_KEY} on the hub with 4029`, () => {
    expect(admit(viewer, { revoked: false, openSockets: SOCKETS_PER_KEY - 1 })).toBeUndefined();
    expect(admit(viewer, { revoked: false, openSockets: SOCKETS_PER_KEY })).toMatchObject({
      error: { code: 'rate_limited' },
      closeCode: CloseCode.rateLimited,
    });
  });

  it('does not cap admin keys, which could mint more keys anyway', () => {
    const admin = { keyId: 'bootstrap', role: 'admin' as const };
    expect(admit(admin, { revoked: false, openSockets: 10_000 })).toBeUndefined();
    expect(admit(admin, { revoked: true, openSockets: 0 })?.closeCode).toBe(CloseCode.unauthorized);
  });
});
