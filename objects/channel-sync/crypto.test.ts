import { describe, expect, it } from 'vitest';
import { channelKey, open, seal } from './crypto';

const SECRET = 'a-connector-secret-of-at-least-32-characters';
const credentials = { accessToken: 'shpat_0123456789abcdef' };

describe('credentials at rest', () => {
  it('round-trips through seal and open under the same channel key', async () => {
    const key = await channelKey(SECRET, 'web-uk');
    if (key === null) throw new Error('no key');
    const sealed = await seal(key, 'web-uk', 'credentials', credentials);
    expect(await open(key, 'web-uk', 'credentials', sealed)).toEqual(credentials);
  });

  it('never stores the plaintext, and uses a new IV for every encryption', async () => {
    const key = await channelKey(SECRET, 'web-uk');
    if (key === null) throw new Error('no key');
    const a = await seal(key, 'web-uk', 'credentials', credentials);
    const b = await seal(key, 'web-uk', 'credentials', credentials);
    expect(a).not.toContain('shpat_');
    expect(JSON.parse(a).iv).not.toBe(JSON.parse(b).iv);
    expect(atob(JSON.parse(a).iv)).toHaveLength(12);
  });

  it('does not open under another channel, another purpose or another secret', async () => {
    const key = await channelKey(SECRET, 'web-uk');
    const other = await channelKey(SECRET, 'ebay-uk');
    const otherSecret = await channelKey(`${SECRET}-rotated`, 'web-uk');
    if (key === null || other === null || otherSecret === null) throw new Error('no key');
    const sealed = await seal(key, 'web-uk', 'credentials', credentials);
    await expect(open(other, 'ebay-uk', 'credentials', sealed)).rejects.toThrow();
    await expect(open(key, 'web-uk', 'token', sealed)).rejects.toThrow();
    await expect(open(otherSecret, 'web-uk', 'credentials', sealed)).rejects.toThrow();
  });

  it('has no key without a secret, or with one too short to be a secret', async () => {
    expect(await channelKey(undefined, 'web-uk')).toBeNull();
    expect(await channelKey('short', 'web-uk')).toBeNull();
  });
});
