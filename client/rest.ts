import type { z } from 'zod';
import { type BatchLine, BatchResult } from '../protocol/batch';
import {
  type CommitRequest,
  type ExtendRequest,
  type ReservationRequest,
  ReservationView,
} from '../protocol/reservations';
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
import { createCall, type Fetch } from './call';

type Body<T extends z.ZodType, Omitted extends string = never> = Omit<z.input<T>, 'op' | Omitted>;
/** Options of every stock mutation. */
export type MoveOptions = { idempotencyKey?: string };

/** The typed REST helpers: each parses its answer, and throws StockmeshError on an error envelope. */
export const restClient = (baseUrl: string, apiKey: string, fetch: Fetch) => {
  const call = createCall(baseUrl, apiKey, fetch);
  const sku = (code: string) => `/v1/skus/${encodeURIComponent(code)}`;
  const reservation = (id: string) => `/v1/reservations/${encodeURIComponent(id)}`;
  const keyHeader = (options: MoveOptions): Record<string, string> =>
    options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
  const move =
    <B>(suffix: string) =>
    (code: string, body: B, options: MoveOptions = {}) =>
      call(MutationOutcome, 'POST', `${sku(code)}${suffix}`, body, keyHeader(options));
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
    /** Up to 5,000 stock commands in one request; `idempotencyKey` protects lines without their own `key`. */
    batch: (lines: BatchLine[], options: MoveOptions = {}) =>
      call(BatchResult, 'POST', '/v1/movements/batch', { lines }, keyHeader(options)),
    /** Holds a whole cart, every line or none (insufficient_stock lists the short lines). */
    createReservation: (body: z.input<typeof ReservationRequest>, options: MoveOptions = {}) =>
      call(ReservationView, 'POST', '/v1/reservations', body, keyHeader(options)),
    reservation: (id: string) => call(ReservationView, 'GET', reservation(id)),
    commitReservation: (id: string, body: z.input<typeof CommitRequest> = {}) =>
      call(ReservationView, 'POST', `${reservation(id)}/commit`, body),
    extendReservation: (id: string, body: z.input<typeof ExtendRequest>) =>
      call(ReservationView, 'POST', `${reservation(id)}/extend`, body),
    releaseReservation: (id: string) =>
      call(ReservationView, 'POST', `${reservation(id)}/release`, {}),
    channelLag: (channel: string) =>
      call(ChannelLag, 'GET', `/v1/channels/${encodeURIComponent(channel)}/lag`),
    streamInfo: () => call(StreamInfo, 'GET', '/v1/stream/info'),
    /** A single-use ticket that opens one stream socket without the key in its handshake. */
    streamTicket: (body: StreamTicketRequest = {}) =>
      call(StreamTicket, 'POST', '/v1/stream/tickets', body),
  };
};
export type RestClient = ReturnType<typeof restClient>;
