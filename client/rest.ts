import type { z } from 'zod';
import { ErrorEnvelope } from '../protocol/errors';
import {
  type AdjustCommand,
  type CancelCommand,
  type CommitCommand,
  type CountCommand,
  EventPage,
  type ExpectCommand,
  type ExtendCommand,
  type HoldCommand,
  HoldView,
  type MarkUnavailableCommand,
  MutationOutcome,
  type ReceiveCommand,
  type ReleaseCommand,
  type ReleaseUnavailableCommand,
  type ReturnCommand,
  type SetSafetyStockCommand,
  type ShipCommand,
  StockView,
  type TransferInCommand,
  type TransferOutCommand,
} from '../protocol/stock';
import { ChannelLag, StreamInfo, StreamTicket, type StreamTicketRequest } from '../protocol/stream';
import { StockmeshError } from './errors';

type Fetch = (request: Request) => Promise<Response>;
type Body<T extends z.ZodType, Omitted extends string = never> = Omit<z.input<T>, 'op' | Omitted>;
/** Options of every stock mutation. */
export type MoveOptions = { idempotencyKey?: string };

/** The typed REST helpers: each parses its answer, and throws StockmeshError on an error envelope. */
export const restClient = (baseUrl: string, apiKey: string, fetch: Fetch) => {
  const base = baseUrl.replace(/\/$/, '');
  const call = async <T extends z.ZodType>(
    schema: T,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<z.output<T>> => {
    const res = await fetch(
      new Request(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    );
    const text = await res.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const envelope = ErrorEnvelope.safeParse(json);
      if (envelope.success) {
        const { requestId, ...error } = envelope.data.error;
        throw new StockmeshError(error, res.status, requestId);
      }
      throw new StockmeshError(
        { code: 'internal', message: `${method} ${path}: ${res.status}` },
        res.status,
      );
    }
    return schema.parse(json);
  };
  const sku = (code: string) => `/v1/skus/${encodeURIComponent(code)}`;
  const move =
    <B>(suffix: string) =>
    (code: string, body: B, options: MoveOptions = {}) =>
      call(
        MutationOutcome,
        'POST',
        `${sku(code)}${suffix}`,
        body,
        options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey },
      );
  const onHold =
    <B>(op: string) =>
    (code: string, holdId: string, body: B, options: MoveOptions = {}) =>
      move<B>(`/holds/${encodeURIComponent(holdId)}/${op}`)(code, body, options);

  return {
    stock: (code: string) => call(StockView, 'GET', `${sku(code)}/stock`),
    events: (code: string, page: { after?: number; limit?: number } = {}) => {
      const q = new URLSearchParams(Object.entries(page).map(([k, v]) => [k, String(v)]));
      return call(EventPage, 'GET', `${sku(code)}/events${q.size > 0 ? `?${q}` : ''}`);
    },
    hold: (code: string, holdId: string) =>
      call(HoldView, 'GET', `${sku(code)}/holds/${encodeURIComponent(holdId)}`),
    receive: move<Body<typeof ReceiveCommand>>('/receive'),
    expect: move<Body<typeof ExpectCommand>>('/expect'),
    adjust: move<Body<typeof AdjustCommand>>('/adjust'),
    count: move<Body<typeof CountCommand>>('/count'),
    markUnavailable: move<Body<typeof MarkUnavailableCommand>>('/unavailable'),
    releaseUnavailable: move<Body<typeof ReleaseUnavailableCommand>>('/unavailable/release'),
    setSafetyStock: move<Body<typeof SetSafetyStockCommand>>('/safety-stock'),
    returnUnits: move<Body<typeof ReturnCommand>>('/returns'),
    transferOut: move<Body<typeof TransferOutCommand>>('/transfers'),
    transferIn: (
      code: string,
      transferId: string,
      body: Body<typeof TransferInCommand, 'transferId'>,
      options?: MoveOptions,
    ) =>
      move<typeof body>(`/transfers/${encodeURIComponent(transferId)}/receive`)(
        code,
        body,
        options,
      ),
    reserve: move<Body<typeof HoldCommand>>('/holds'),
    extend: onHold<Body<typeof ExtendCommand, 'holdId'>>('extend'),
    release: onHold<Body<typeof ReleaseCommand, 'holdId'>>('release'),
    commit: onHold<Body<typeof CommitCommand, 'holdId'>>('commit'),
    ship: onHold<Body<typeof ShipCommand, 'holdId'>>('ship'),
    cancel: onHold<Body<typeof CancelCommand, 'holdId'>>('cancel'),
    channelLag: (channel: string) =>
      call(ChannelLag, 'GET', `/v1/channels/${encodeURIComponent(channel)}/lag`),
    streamInfo: () => call(StreamInfo, 'GET', '/v1/stream/info'),
    /** A single-use ticket that opens one stream socket without the key in its handshake. */
    streamTicket: (body: StreamTicketRequest = {}) =>
      call(StreamTicket, 'POST', '/v1/stream/tickets', body),
  };
};
export type RestClient = ReturnType<typeof restClient>;
