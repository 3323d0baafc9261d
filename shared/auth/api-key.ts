// API keys look like smk_<16 hex>_<43 base64url>: the middle part is the key id without its
// `key_` prefix, so a key names its own row, and the tail is 256 random bits.
const KEY_PATTERN = /^smk_([0-9a-f]{16})_([A-Za-z0-9_-]{32,128})$/;

const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

/** Hex SHA-256 of a string: what is stored in place of a key. */
export const sha256Hex = async (text: string): Promise<string> =>
  hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/** A new key id and the full secret key that names it. */
export const generateApiKey = (): { id: string; key: string } => {
  const idPart = hex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { id: `key_${idPart}`, key: `smk_${idPart}_${secret}` };
};

/** The key id a well-formed key names, or undefined when the key is malformed. */
export const keyIdOf = (key: string): string | undefined => {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] === undefined ? undefined : `key_${match[1]}`;
};

/** Compares two secrets in time independent of where they differ (both are hashed first). */
export const secretsEqual = async (a: string, b: string): Promise<boolean> => {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest('SHA-256', new TextEncoder().encode(a)),
    crypto.subtle.digest('SHA-256', new TextEncoder().encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
};
