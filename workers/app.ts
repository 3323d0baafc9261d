import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import type { Principal } from '../protocol/auth';
import { type AppError, type ErrorCode, type ErrorEnvelope, Failure } from '../protocol/errors';
import { isRetryable } from '../shared/transient';
import { httpStatus } from './http-status';

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; principal: Principal };
};

/** Renders any failure as the one error envelope; unexpected errors never leak their internals. */
export const renderError = (c: Context<AppEnv>, error: AppError) => {
  const body: ErrorEnvelope = { error: { ...error, requestId: c.get('requestId') ?? 'unknown' } };
  return c.json(body, httpStatus[error.code]);
};

const codeForHttpException = (e: HTTPException): ErrorCode => {
  if (e.status === 413) return 'payload_too_large';
  if (e.status === 415) return 'unsupported_media_type';
  if (e.status === 401) return 'unauthorized';
  if (e.status === 403) return 'forbidden';
  if (e.status === 404) return 'not_found';
  if (e.status === 400 && /json/i.test(e.message)) return 'invalid_json';
  if (e.status < 500) return 'validation_failed';
  return 'internal';
};

const isOverloaded = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'overloaded' in e && e.overloaded === true;

/** The runtime reset the object the call went to (it says so on the error it throws). */
const isObjectReset = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  (e as { durableObjectReset?: unknown }).durableObjectReset === true;

export const onError = (e: Error, c: Context<AppEnv>) => {
  if (e instanceof Failure) return renderError(c, e.error);
  if (e instanceof HTTPException) {
    return renderError(c, { code: codeForHttpException(e), message: e.message || 'Bad request' });
  }
  if (isOverloaded(e)) {
    return renderError(c, { code: 'overloaded', message: 'The SKU is overloaded; retry later' });
  }
  if (isRetryable(e) || isObjectReset(e)) {
    // The platform lost a call to an object on the way (a restart, a dropped connection), or
    // reset the object mid-call (locally: workerd out of memory for the objects one request
    // opened; docs/running.md): the request may have partly run, so the client retries it, with
    // the same Idempotency-Key.
    console.warn(`request ${c.get('requestId')}: transient failure`, e.message);
    return renderError(c, {
      code: 'overloaded',
      message:
        'A call inside the mesh failed on the way; retry the request (with the same Idempotency-Key where it has one)',
    });
  }
  console.error(`request ${c.get('requestId')} failed`, e);
  return renderError(c, { code: 'internal', message: 'Internal error' });
};

/** Turns zod issues into a one-line message and a list of details naming each path. */
export const validationFailure = (error: ZodError, target: string): Failure => {
  const issues = error.issues.map((i) => ({
    path: [target, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0];
  const message = first ? `${first.path}: ${first.message}` : `Invalid ${target}`;
  return new Failure({ code: 'validation_failed', message, details: { issues } });
};

/** A sub-app whose validation failures become the error envelope. */
export const createApp = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailure(result.error, result.target);
    },
  });
