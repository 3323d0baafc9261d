import { z } from 'zod';
import { Principal, Role } from '../../protocol/auth';
import { err, ok, type Result } from '../../protocol/errors';

/** How long a stream ticket opens a socket. */
export const TICKET_TTL_MS = 120_000;

/** What a ticket carries: the key's id, role and scope, an optional channel, a nonce, an expiry. */
const Claims = z.object({
  v: z.literal(1),
  kid: z.string().min(1),
  role: Role,
  channels: z.array(z.string()),
  locations: z.array(z.string()),
  /** The channel the ticket was asked for: the socket must stream it. */
  ch: z.string().optional(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  /** Expiry, ms since the epoch. */
  exp: z.number().int(),
});
export type TicketClaims = z.infer<typeof Claims>;

const encoder = new TextEncoder();

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

const fromBase64url = (text: string): Uint8Array | undefined => {
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
};

// One HMAC key per secret, derived once per isolate. The key itself is kept, not the promise of
// it: a promise made in one request must not be awaited by another.
let derived: { secret: string; key: CryptoKey } | undefined;

/**
 * The signing key: HKDF of STREAM_TICKET_SECRET, else of ADMIN_KEY, for this purpose only, so a
 * ticket's signature says nothing about the secret. Undefined when neither secret is set.
 */
const signingKey = async (env: Env): Promise<CryptoKey | undefined> => {
  const secret = env.STREAM_TICKET_SECRET || env.ADMIN_KEY;
  if (!secret) return undefined;
  if (derived?.secret === secret) return derived.key;
  const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveKey',
  ]);
  const key = await crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('stockmesh'),
      info: encoder.encode('stockmesh stream ticket v1'),
    },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
  derived = { secret, key };
  return key;
};

const NO_SECRET =
  'Stream tickets need the STREAM_TICKET_SECRET (or ADMIN_KEY) secret on the Worker';

/** Signs a ticket for this principal (and channel); fails only when no secret is configured. */
export const issueTicket = async (
  env: Env,
  principal: Principal,
  channel: string | undefined,
  now = Date.now(),
): Promise<Result<{ ticket: string; expiresAt: string; claims: TicketClaims }>> => {
  const key = await signingKey(env);
  if (key === undefined) return err('internal', NO_SECRET);
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  const claims: TicketClaims = {
    v: 1,
    kid: principal.keyId,
    role: principal.role,
    channels: principal.channels,
    locations: principal.locations,
    ...(channel !== undefined && { ch: channel }),
    nonce,
    exp: now + TICKET_TTL_MS,
  };
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(payload));
  const ticket = `${payload}.${base64url(new Uint8Array(signature))}`;
  return ok({ ticket, expiresAt: new Date(claims.exp).toISOString(), claims });
};

const refused = (message: string) => err('unauthorized', message);

/** The claims of a ticket this Worker signed and that has not expired; why not otherwise. */
export const readTicket = async (
  env: Env,
  ticket: string,
  now = Date.now(),
): Promise<Result<TicketClaims>> => {
  const key = await signingKey(env);
  if (key === undefined) return err('internal', NO_SECRET);
  const [payload = '', signature = '', ...rest] = ticket.split('.');
  const signatureBytes = fromBase64url(signature);
  if (rest.length > 0 || payload === '' || signatureBytes === undefined) {
    return refused('Malformed stream ticket: ask POST /v1/stream/tickets for one');
  }
  // verify() compares in constant time.
  const genuine = await crypto.subtle.verify('HMAC', key, signatureBytes, encoder.encode(payload));
  if (!genuine) return refused('Invalid stream ticket: it was not issued by this gateway');
  const bytes = fromBase64url(payload);
  let json: unknown;
  try {
    json = bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    json = undefined;
  }
  const claims = Claims.safeParse(json);
  if (!claims.success)
    return refused('Malformed stream ticket: ask POST /v1/stream/tickets for one');
  if (claims.data.exp <= now) {
    return refused('Stream ticket expired: ask POST /v1/stream/tickets for a new one');
  }
  return ok(claims.data);
};

/** The principal a ticket stands for. */
export const ticketPrincipal = (claims: TicketClaims): Principal =>
  Principal.parse({
    keyId: claims.kid,
    role: claims.role,
    channels: claims.channels,
    locations: claims.locations,
  });
