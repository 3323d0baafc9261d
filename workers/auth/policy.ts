import type { MiddlewareHandler } from 'hono';
import type { Principal, Role } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import type { AppEnv } from '../app';

/** May this principal act for the channel? Admins always; storefront and connector keys for their own channels. */
export const canActForChannel = (principal: Principal, channel: string): boolean =>
  principal.role === 'admin' ||
  ((principal.role === 'storefront' || principal.role === 'connector') &&
    principal.channels.includes(channel));

/** May this principal act at the location? Admins always; warehouse keys at their own locations. */
export const canActAtLocation = (principal: Principal, location: string): boolean =>
  principal.role === 'admin' ||
  (principal.role === 'warehouse' && principal.locations.includes(location));

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
