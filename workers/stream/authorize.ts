import type { Principal } from '../../protocol/auth';
import { err, ok, type Result } from '../../protocol/errors';

/** Whether the principal's role may stream at all: viewers, connectors and admins may. */
export const mayStream = ({ keyId, role }: Principal): Result<undefined> =>
  role === 'admin' || role === 'viewer' || role === 'connector'
    ? ok(undefined)
    : err(
        'forbidden',
        `Key ${keyId} has role ${role}; the stream needs viewer, connector or admin`,
        {
          role,
          allowed: ['viewer', 'connector', 'admin'],
        },
      );

/**
 * The channel a principal streams for: viewers and admins may pick any or none; a connector
 * streams one of its own channels (its only one when it names none); other roles may not stream.
 */
export const streamChannel = (
  principal: Principal,
  requested: string | undefined,
): Result<string | undefined> => {
  const { keyId, role, channels } = principal;
  const may = mayStream(principal);
  if (!may.ok) return may;
  if (role === 'admin' || role === 'viewer') return ok(requested);
  const channel = requested ?? (channels.length === 1 ? channels[0] : undefined);
  if (channel === undefined) {
    return err(
      'forbidden',
      `Connector key ${keyId} acts for ${channels.length === 0 ? 'no channel' : `channels ${channels.join(', ')}`}: choose one with ?channel=`,
      { channels },
    );
  }
  if (!channels.includes(channel)) {
    return err(
      'forbidden',
      `Connector key ${keyId} may not stream channel ${channel}; it acts for ${channels.join(', ') || 'no channel'}`,
      { channel, channels },
    );
  }
  return ok(channel);
};
