import type { Context } from 'hono';
import type { z } from 'zod';
import { Failure } from '../protocol/errors';
import { validationFailure } from './app';

/** The request body as JSON, or invalid_json; read once per request. */
export const readJson = async (c: Context): Promise<unknown> => {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Failure({ code: 'invalid_json', message: 'The request body is not valid JSON' });
  }
};

/** Parses with the schema or throws validation_failed naming every bad field. */
export const parseOr = <S extends z.ZodType>(
  schema: S,
  value: unknown,
  target: string,
): z.output<S> => {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailure(result.error, target);
  return result.data;
};
