// Calls the traffic simulator makes that the typed client (client/) does not cover yet: whole-cart
// reservations, the warehouse batch and API keys. Answers are parsed with the protocol schemas.
import { z } from 'zod';
import { createCall } from '../client/index.ts';
import { KeyCreated } from '../protocol/catalog.ts';
import { type ReservationRequest, ReservationView } from '../protocol/reservations.ts';

const BatchAnswer = z.object({ applied: z.number(), replayed: z.number(), failed: z.number() });

export const simulatorApi = (baseUrl: string, key: string) => {
  // wrangler dev's proxy answers 503 when it lost a request (or the Worker is reloading);
  // every call made here is idempotent, so it is sent again (a fresh copy of the request).
  const retrying = async (request: Request): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(request.clone(), { signal: AbortSignal.timeout(60_000) });
      if (res.status !== 503 || attempt === 3) return res;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  };
  const call = createCall(baseUrl, key, retrying);
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
