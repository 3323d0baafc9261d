import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import type { AppEnv } from '../app';

/** Lets the request through only for these roles; anyone else gets 403 forbidden. */
export const requireRole =
  (...roles: Role[]): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const { role, keyId } = c.get('principal');
    if (!roles.includes(role)) {
      throw new Failure({
        code: 'forbidden',
        message: `Key ${keyId} has role ${role}; ${c.req.method} ${c.req.path} needs ${roles.join(' or ')}`,
        details: { role, allowed: roles },
      });
    }
    await next();
  };
