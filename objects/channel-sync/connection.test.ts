import { describe, expect, it } from 'vitest';
import { connectionView, credentialFields, mergeSettings, startsOver, stateOf } from './connection';
import { HEALTHY } from './health';

const row = {
  kind: 'shopify',
  settings: JSON.stringify({ shop: 'shop-a', locationId: 'gid://shopify/Location/1' }),
  credentials: '{"v":1,"iv":"AAAA","data":"BBBB"}',
  credentialFields: JSON.stringify(['accessToken']),
  credentialsChangedAt: Date.parse('2026-11-22T10:00:00.000Z'),
  token: null,
  tokenExpiresAt: null,
  state: 'active',
  generation: 1,
  createdAt: Date.parse('2026-11-22T09:00:00.000Z'),
  updatedAt: Date.parse('2026-11-22T10:00:00.000Z'),
  id: 1,
};

describe('a connection as the admin API shows it', () => {
  it('names the credential fields set and when they changed, never their values', () => {
    const view = connectionView('web-uk', 'shopify', row, HEALTHY);
    expect(view.credentials).toEqual({
      fields: ['accessToken'],
      changedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(JSON.stringify(view)).not.toContain('BBBB');
    expect(credentialFields({ refreshToken: 'x', clientId: 'y' })).toEqual([
      'clientId',
      'refreshToken',
    ]);
  });

  it('is paused by an admin, else failing or active by the health of the sync', () => {
    const failing = {
      failing: true,
      lastError: { code: 'credentials_invalid', message: 'no', at: 0 },
    };
    expect(stateOf({ state: 'paused' }, failing)).toBe('paused');
    expect(stateOf({ state: 'active' }, failing)).toBe('failing');
    expect(stateOf({ state: 'active' }, HEALTHY)).toBe('active');
  });
});

describe('replacing a connection', () => {
  it('starts the sync over for another kind or other settings, not for new credentials', () => {
    const settings = JSON.parse(row.settings);
    expect(startsOver(undefined, 'shopify', settings)).toBe(false);
    expect(startsOver(row, 'shopify', settings)).toBe(false);
    expect(startsOver(row, 'amazon', settings)).toBe(true);
    expect(startsOver(row, 'shopify', { ...settings, shop: 'shop-b' })).toBe(true);
  });

  it('patches settings field by field', () => {
    expect(mergeSettings({ a: 1, b: 2 }, { b: 3 })).toEqual({ a: 1, b: 3 });
  });
});
