import { z } from 'zod';
import { json } from '../shared/sim-http';

// Shapes and helpers the simulated seller's listings and feeds share.

export const Patch = z.object({
  op: z.enum(['add', 'replace', 'merge', 'delete']),
  path: z.string().startsWith('/attributes/'),
  value: z.array(z.looseObject({})).optional(),
});
export type Patch = z.output<typeof Patch>;

/** An issue as listings answers and processing reports carry it. */
export type Issue = {
  messageId?: number;
  sku?: string;
  code: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
};

/** The SP-API error list. */
export const error = (
  status: number,
  code: string,
  message: string,
  details = '',
  headers: Record<string, string> = {},
) => json(status, { errors: [{ code, message, details }] }, headers);

export function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
