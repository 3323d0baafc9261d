// Calls the traffic simulator makes that the typed client (client/) does not cover yet: whole-cart
// reservations, the warehouse batch and API keys. Answers are parsed with the protocol schemas.
import { z } from 'zod';
import { StockmeshError } from '../client/index.ts';
import { KeyCreated } from '../protocol/catalog.ts';
import { ErrorEnvelope } from '../protocol/errors.ts';
import { type ReservationRequest, ReservationView } from '../protocol/reservations.ts';

const BatchAnswer = z.object({ applied: z.number(), replayed: z.number(), failed: z.number() });

export const simulatorApi = (baseUrl: string, key: string) => {
  const call = async <T extends z.ZodType>(
    schema: T,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<z.output<T>> => {
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      // wrangler dev's proxy answers 503 when it lost a request (or the Worker is reloading);
      // every call made here is idempotent, so it is sent again.
      if (res.status !== 503 || attempt === 3) break;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const envelope = ErrorEnvelope.safeParse(json);
      throw new StockmeshError(
        envelope.success
          ? envelope.data.error
          : { code: 'internal', message: `${method} ${path}: HTTP ${res.status}` },
        res.status,
      );
    }
    return schema.parse(json);
  };
  return {
    reserve: (cart: z.input<typeof ReservationRequest>, idempotencyKey: string) =>
      call(ReservationView, 'POST', '/v1/reservations', cart, {
        'idempotency-key': idempotencyKey,
      }),
    commit: (id: string, ref: string) =>
      call(ReservationView, 'POST', `/v1/reservations/${id}/commit`, { ref }),
    release: (id: string) => call(ReservationView, 'POST', `/v1/reservations/${id}/release`, {}),
    /** Lines of the warehouse batch (`POST /v1/movements/batch`), e.g. the shipments of a cart. */
    batch: (lines: Record<string, unknown>[], idempotencyKey: string) =>
      call(
        BatchAnswer,
        'POST',
        '/v1/movements/batch',
        { lines },
        {
          'idempotency-key': idempotencyKey,
        },
      ),
    createKey: (body: { name: string; role: string; channels?: string[]; locations?: string[] }) =>
      call(KeyCreated, 'POST', '/v1/keys', body),
  };
};
export type SimulatorApi = ReturnType<typeof simulatorApi>;
