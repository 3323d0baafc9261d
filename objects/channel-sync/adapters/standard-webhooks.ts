// Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256 over
// "{webhook-id}.{webhook-timestamp}.{body}" with the secret's bytes, sent as "v1,<base64>".
// Used to sign outbound pushes, and to verify inbound marketplace webhooks.

const PREFIX = 'whsec_';
/** Receivers reject timestamps further than this from their clock (replay protection). */
export const TOLERANCE_SECONDS = 5 * 60;

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export type VerifyResult =
  | { ok: true }
  | {
      ok: false;
      code: 'missing_headers' | 'timestamp_out_of_range' | 'bad_signature' | 'bad_secret';
    };

function fromBase64(b64: string): Uint8Array | null {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The key bytes of a `whsec_<base64>` secret (the prefix is optional), or null if it is not base64. */
export function secretBytes(secret: string): Uint8Array | null {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const bytes = fromBase64(b64);
  return bytes && bytes.length > 0 ? bytes : null;
}

/** A fresh random secret in the `whsec_` form. */
export function generateSecret(): string {
  return PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(24)));
}

async function hmac(key: Uint8Array, content: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(content));
  return toBase64(new Uint8Array(mac));
}

/** The three headers for `body`, sent as message `id` at `timestamp` (seconds). */
export async function sign(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<SignedHeaders> {
  const key = secretBytes(secret);
  if (!key) throw new Error('Standard Webhooks secret is not base64 (expected whsec_<base64>)');
  const signature = await hmac(key, `${id}.${timestamp}.${body}`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a delivery: headers present, timestamp within the tolerance of `nowSeconds`, and one of
 * the space-separated `v1,` signatures matching (several are sent while a secret rotates).
 */
export async function verify(
  secret: string,
  headers: { get(name: string): string | null },
  body: string,
  nowSeconds: number,
): Promise<VerifyResult> {
  const id = headers.get('webhook-id');
  const ts = headers.get('webhook-timestamp');
  const sigs = headers.get('webhook-signature');
  if (!id || !ts || !sigs) return { ok: false, code: 'missing_headers' };
  const timestamp = Number(ts);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) {
    return { ok: false, code: 'timestamp_out_of_range' };
  }
  const key = secretBytes(secret);
  if (!key) return { ok: false, code: 'bad_secret' };
  const expected = await hmac(key, `${id}.${ts}.${body}`);
  for (const entry of sigs.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version === 'v1' && value !== undefined && constantTimeEqual(value, expected)) {
      return { ok: true };
    }
  }
  return { ok: false, code: 'bad_signature' };
}
