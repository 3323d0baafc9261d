import type { Principal } from '../../protocol/auth';

/** May this principal act for the channel? Admins always; storefront and connector keys for their own channels. */
export const canActForChannel = (principal: Principal, channel: string): boolean =>
  principal.role === 'admin' ||
  ((principal.role === 'storefront' || principal.role === 'connector') &&
    principal.channels.includes(channel));

/** May this principal act at the location? Admins always; warehouse keys at their own locations. */
export const canActAtLocation = (principal: Principal, location: string): boolean =>
  principal.role === 'admin' ||
  (principal.role === 'warehouse' && principal.locations.includes(location));
