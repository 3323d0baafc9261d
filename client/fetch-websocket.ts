// A WebSocket over a fetch function that performs the upgrade (Cloudflare Workers: `fetch` or a
// service binding's `fetch`; tests: the Worker's own handler). It has just what partysocket uses.

type Fetch = (request: Request) => Promise<Response>;

/** The server end's peer a Workers fetch answers a 101 with (`response.webSocket`). */
type UpgradedSocket = {
  accept(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
};

/** Reads `webSocket` off a Workers Response without Workers-only types (the client also runs in Node and browsers). */
const isUpgradedSocket = (ws: unknown): ws is UpgradedSocket =>
  typeof ws === 'object' &&
  ws !== null &&
  ['accept', 'send', 'close', 'addEventListener'].every(
    (m) => typeof Reflect.get(ws, m) === 'function',
  );

const upgradedSocket = (res: Response): UpgradedSocket | undefined => {
  const ws: unknown = Reflect.get(res, 'webSocket');
  return isUpgradedSocket(ws) ? ws : undefined;
};

const field = (event: Event, name: string): unknown => Reflect.get(event, name);

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const closeEvent = (code: number, reason: string) =>
  Object.assign(new Event('close'), { code, reason, wasClean: code !== 1006 });

/** A socket of fetchWebSocket's class: the part of a WebSocket that partysocket uses. */
export type FetchWebSocket = EventTarget & {
  readonly url: string;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  readyState: number;
  protocol: string;
  extensions: string;
  binaryType: string;
  bufferedAmount: number;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
};

/** fetchWebSocket's class, named so the package's declarations can state it. */
export type FetchWebSocketClass = {
  new (url: string, protocols?: string | string[]): FetchWebSocket;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
};

/**
 * A WebSocket class whose connections are made with `fetch(request with Upgrade: websocket)`:
 * pass it as the client's `WebSocket` where no WebSocket constructor reaches the server.
 */
export const fetchWebSocket = (fetch: Fetch): FetchWebSocketClass =>
  class FetchWebSocket extends EventTarget {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;
    readonly CONNECTING = CONNECTING;
    readonly OPEN = OPEN;
    readonly CLOSING = CLOSING;
    readonly CLOSED = CLOSED;
    readyState = CONNECTING;
    protocol = '';
    extensions = '';
    binaryType = 'blob';
    bufferedAmount = 0;
    private socket: UpgradedSocket | undefined;
    private closeRequested: { code: number; reason?: string } | undefined;

    constructor(
      readonly url: string,
      protocols?: string | string[],
    ) {
      super();
      const headers = new Headers({ upgrade: 'websocket' });
      const offered = typeof protocols === 'string' ? [protocols] : (protocols ?? []);
      if (offered.length > 0) headers.set('sec-websocket-protocol', offered.join(', '));
      const http = url.replace(/^ws/, 'http');
      fetch(new Request(http, { headers })).then(
        (res) => this.opened(res),
        (error: unknown) => this.failed(String(error)),
      );
    }

    send(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.socket === undefined || this.readyState !== OPEN) {
        throw new Error('WebSocket is not open');
      }
      this.socket.send(data);
    }

    close(code = 1000, reason?: string): void {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.readyState = CLOSING;
      if (this.socket === undefined) this.closeRequested = { code, reason };
      else this.socket.close(code, reason);
    }

    private opened(res: Response): void {
      const socket = upgradedSocket(res);
      if (res.status !== 101 || socket === undefined) {
        void res.body?.cancel();
        this.failed(`upgrade answered ${res.status}`);
        return;
      }
      socket.accept();
      this.socket = socket;
      this.protocol = res.headers.get('sec-websocket-protocol') ?? '';
      socket.addEventListener('message', (e) => {
        const data = field(e, 'data');
        const payload = data instanceof ArrayBuffer ? data : String(data);
        this.dispatchEvent(new MessageEvent('message', { data: payload }));
      });
      socket.addEventListener('close', (e) => {
        if (this.readyState === CLOSED) return;
        this.readyState = CLOSED;
        this.dispatchEvent(closeEvent(Number(field(e, 'code')), String(field(e, 'reason') ?? '')));
      });
      socket.addEventListener('error', () => this.dispatchEvent(new Event('error')));
      if (this.closeRequested !== undefined) {
        socket.close(this.closeRequested.code, this.closeRequested.reason);
        return;
      }
      this.readyState = OPEN;
      this.dispatchEvent(new Event('open'));
    }

    private failed(reason: string): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.dispatchEvent(new Event('error'));
      this.dispatchEvent(closeEvent(1006, reason));
    }
  };
