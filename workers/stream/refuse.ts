import type { AppError, ErrorCode } from '../../protocol/errors';
import { CloseCode, STREAM_SUBPROTOCOL } from '../../protocol/stream';

const closeCodes: Partial<Record<ErrorCode, number>> = {
  unauthorized: CloseCode.unauthorized,
  forbidden: CloseCode.forbidden,
  unknown_channel: CloseCode.notFound,
  unknown_location: CloseCode.notFound,
  rate_limited: CloseCode.rateLimited,
};

/** A close reason is at most 123 bytes of UTF-8. */
const reasonOf = (message: string): string => {
  const bytes = new TextEncoder().encode(message);
  if (bytes.length <= 123) return message;
  return `${new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD+$/, '')}...`;
};

/**
 * Headers of a 101 answer: the stream's subprotocol when the client offered it. A browser that
 * offered protocols fails the handshake unless the answer selects one of them.
 */
export const upgradeHeaders = (request: Headers): Headers => {
  const offered = (request.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  const headers = new Headers();
  if (offered.includes(STREAM_SUBPROTOCOL)) {
    headers.set('sec-websocket-protocol', STREAM_SUBPROTOCOL);
  }
  return headers;
};

/**
 * Refuses a WebSocket after upgrading it: an HTTP status on a failed upgrade never reaches a
 * browser's script, but a close code and reason do. The error also goes as an `error` message.
 */
export const refuseSocket = (error: AppError, request: Headers): Response => {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  server.send(JSON.stringify({ type: 'error', code: error.code, message: error.message }));
  server.close(closeCodes[error.code] ?? CloseCode.invalid, reasonOf(error.message));
  return new Response(null, { status: 101, webSocket: client, headers: upgradeHeaders(request) });
};
