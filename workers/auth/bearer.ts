import type { Result } from '../../protocol/errors';
import { err, ok } from '../../protocol/errors';

/** Browsers cannot set headers on a WebSocket, so they offer the key as this subprotocol. */
export const BEARER_SUBPROTOCOL_PREFIX = 'stockmesh.bearer.';

/** The subprotocol that carries the key, if the WebSocket handshake offered one. */
export const bearerSubprotocol = (headers: Headers): string | undefined => {
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return undefined;
  const offered = headers.get('sec-websocket-protocol') ?? '';
  return offered
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
};

/** The key a request presents: `Authorization: Bearer <key>`, or the WebSocket subprotocol. */
export const readBearer = (headers: Headers): Result<string> => {
  const authorization = headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match?.[1] === undefined) {
      return err('unauthorized', 'Malformed Authorization header: expected "Bearer <key>"');
    }
    return ok(match[1]);
  }
  const protocol = bearerSubprotocol(headers);
  if (protocol !== undefined && protocol.length > BEARER_SUBPROTOCOL_PREFIX.length) {
    return ok(protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length));
  }
  return err(
    'unauthorized',
    `Missing API key: send "Authorization: Bearer <key>" (WebSockets may offer the subprotocol ${BEARER_SUBPROTOCOL_PREFIX}<key>)`,
  );
};
