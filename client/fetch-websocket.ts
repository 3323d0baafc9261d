// A WebSocket over a fetch function that performs the upgrade (Cloudflare Workers: `fetch` or a
// service binding's `fetch`; tests: the Worker's own handler). It has just what partysocket uses.

type Fetch = (request: Request) => Promise<Response>;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const closeEvent = (code: number, reason: string) =>
  Object.assign(new Event('close'), { code, reason, wasClean: code !== 1006 });

/**
 * A WebSocket class whose connections are made with `fetch(request with Upgrade: websocket)`:
 * pass it as the client's `WebSocket` where no WebSocket constructor reaches the server.
 */
export const fetchWebSocket = (fetch: Fetch) =>
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
    private socket: WebSocket | undefined;
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
      const socket = res.webSocket;
      if (res.status !== 101 || socket === null) {
        void res.body?.cancel();
        this.failed(`upgrade answered ${res.status}`);
        return;
      }
      socket.accept();
      this.socket = socket;
      this.protocol = res.headers.get('sec-websocket-protocol') ?? '';
      socket.addEventListener('message', (e) => {
        this.dispatchEvent(new MessageEvent('message', { data: e.data }));
      });
      socket.addEventListener('close', (e) => {
        if (this.readyState === CLOSED) return;
        this.readyState = CLOSED;
        this.dispatchEvent(closeEvent(e.code, e.reason));
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
