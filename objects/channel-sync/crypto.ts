import { z } from 'zod';

// Credentials at rest: AES-GCM (Web Crypto) under a key derived with HKDF-SHA-256 from the
// CONNECTOR_SECRET Worker secret, salted with the channel code, so each channel has its own key.
// A random 96-bit IV per encryption; the channel and the purpose are bound as additional data, so
// a sealed value copied to another channel or field does not open.

const encoder = new TextEncoder();
const INFO = encoder.encode('stockmesh/channel-sync/credentials/v1');
/** Shorter secrets are refused: `openssl rand -base64 32` gives a good one. */
export const MIN_SECRET_LENGTH = 32;

const base64 = (bytes: Uint8Array): string => {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};
const fromBase64 = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** A sealed value as stored: JSON of this. */
const Sealed = z.object({ v: z.literal(1), iv: z.base64(), data: z.base64() });

/** What a sealed value protects; part of its additional data. */
export type Purpose = 'credentials' | 'token';

/** The key of one channel, or null when the secret is missing or too short. */
export const channelKey = async (
  secret: string | undefined,
  channel: string,
): Promise<CryptoKey | null> => {
  if (secret === undefined || secret.length < MIN_SECRET_LENGTH) return null;
  const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(`channel:${channel}`), info: INFO },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
};

const additionalData = (channel: string, purpose: Purpose) =>
  encoder.encode(`${channel}\u0000${purpose}`);

/** Encrypts a value with a fresh IV; the result is safe to store. */
export const seal = async (
  key: CryptoKey,
  channel: string,
  purpose: Purpose,
  value: unknown,
): Promise<string> => {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: additionalData(channel, purpose) },
    key,
    encoder.encode(JSON.stringify(value)),
  );
  return JSON.stringify({ v: 1, iv: base64(iv), data: base64(new Uint8Array(data)) });
};

/** Decrypts a sealed value; throws when the key, the channel or the purpose do not match. */
export const open = async (
  key: CryptoKey,
  channel: string,
  purpose: Purpose,
  sealed: string,
): Promise<unknown> => {
  const { iv, data } = Sealed.parse(JSON.parse(sealed));
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(iv), additionalData: additionalData(channel, purpose) },
    key,
    fromBase64(data),
  );
  return JSON.parse(new TextDecoder().decode(plain));
};
