import type { z } from 'zod';
import { type Err, err } from '../../protocol/errors';

/** A zod failure as the gateway reports one: validation_failed naming each path under `target`. */
export const invalid = (error: z.ZodError, target: string): Err => {
  const issues = error.issues.map((i) => ({
    path: [target, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0];
  return err('validation_failed', first ? `${first.path}: ${first.message}` : `Invalid ${target}`, {
    issues,
  });
};
