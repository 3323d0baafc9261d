import { describe, expect, it } from 'vitest';
import { cachedRefusal, rememberRefusal } from './refusal-cache';

const unique = () => crypto.randomUUID();

describe('the refusal cache', () => {
  it('refuses any secret for a key id with no row, for a few seconds', () => {
    const keyId = unique();
    rememberRefusal({ keyId }, 'Unknown API key', 1_000);
    expect(cachedRefusal(keyId, unique(), 1_000)).toBe('Unknown API key');
    expect(cachedRefusal(keyId, unique(), 4_000)).toBeUndefined();
  });

  it('refuses only the same key when its id exists', () => {
    const [keyId, hash] = [unique(), unique()];
    rememberRefusal({ hash }, 'API key was revoked', 1_000);
    expect(cachedRefusal(keyId, hash, 1_000)).toBe('API key was revoked');
    expect(cachedRefusal(keyId, unique(), 1_000)).toBeUndefined();
  });
});
