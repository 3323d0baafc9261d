import type { Principal } from '../../protocol/auth';
import { err, ok, type Result } from '../../protocol/errors';
import type { ScopedSignalQuery, SignalQuery } from '../../protocol/webhooks';

/**
 * Narrows a signal query to what the key may read (docs/signals.md "Who reads what"): admin and
 * viewer keys read every signal; a warehouse key the signals at its locations; a storefront or
 * connector key the signals of its channels. A filter naming something outside the scope is
 * refused rather than quietly emptied, as the ledger does.
 */
export const scopeSignals = (principal: Principal, q: SignalQuery): Result<ScopedSignalQuery> => {
  const { keyId } = principal;
  switch (principal.role) {
    case 'admin':
    case 'viewer':
      return ok(q);
    case 'warehouse': {
      const { locations } = principal;
      if (q.channel !== undefined) {
        return err(
          'forbidden',
          `Key ${keyId} reads the signals at its locations, not a channel's`,
          {
            keyId,
            channel: q.channel,
          },
        );
      }
      if (q.location !== undefined && !locations.includes(q.location)) {
        return err(
          'forbidden',
          `Key ${keyId} reads the signals at ${locations.join(', ') || 'no location'}, not at ${q.location}`,
          { keyId, location: q.location },
        );
      }
      return ok({ ...q, locations: q.location === undefined ? locations : [q.location] });
    }
    case 'storefront':
    case 'connector': {
      const { channels } = principal;
      if (q.location !== undefined) {
        return err(
          'forbidden',
          `Key ${keyId} reads the signals of its channels, not a location's`,
          {
            keyId,
            location: q.location,
          },
        );
      }
      if (q.channel !== undefined && !channels.includes(q.channel)) {
        return err(
          'forbidden',
          `Key ${keyId} reads the signals of ${channels.join(', ') || 'no channel'}, not of ${q.channel}`,
          { keyId, channel: q.channel },
        );
      }
      return ok({ ...q, channels: q.channel === undefined ? channels : [q.channel] });
    }
  }
};
