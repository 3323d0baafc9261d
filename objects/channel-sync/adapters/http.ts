import type { z } from 'zod';
import type { HttpResponse, ItemOutcome, PushItem } from '../adapter';

// Small pieces every adapter needs to read marketplace responses without throwing.

/** Parses a JSON body with a schema; null when the body is not JSON or not of that shape (a proxy's HTML 502). */
export function parseJson<T extends z.ZodType>(schema: T, body: string): z.output<T> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** A header by case-insensitive name. */
export function header(res: { headers: Record<string, string> }, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** `Retry-After` (seconds or an HTTP date) as an absolute time in ms, or null. */
export function retryAfter(res: HttpResponse, now: number): number | null {
  const value = header(res, 'retry-after');
  if (value === undefined) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return now + Math.max(0, seconds) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(now, date);
}

/** Every item of a request marked for a later resend, with one reason. */
export function retryAll(items: PushItem[], message: string): ItemOutcome[] {
  return items.map((i) => ({ sku: i.sku, status: 'retry', message }));
}

/** The first bytes of a body, for error messages that must not carry a whole HTML page. */
export function snippet(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/** Whether a status is worth sending again (throttled, timed out, or the marketplace failed). */
export function isTransient(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
