import { refuseCheckoutNamespace } from '../../objects/sku-stock/checkout-namespace';
import type { Principal } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import type { Command } from '../../protocol/stock';
import { getChannel, getLocations, refreshAfterMiss } from '../../shared/catalog/cache';
import { authorizeCommand, namedLocations, type Scope } from './authorize';

const missingFrom = async (env: Env, codes: readonly string[]): Promise<string[]> => {
  if (codes.length === 0) return [];
  const known = await getLocations(env);
  return codes.filter((c) => !known.has(c));
};

/**
 * Location codes that are not in the catalog; a miss may re-read D1 (rate-limited), in case the
 * location was just made in another isolate.
 */
export const unknownLocations = async (env: Env, codes: readonly string[]): Promise<string[]> => {
  const missing = await missingFrom(env, codes);
  if (missing.length === 0 || !(await refreshAfterMiss(env, 'locations'))) return missing;
  return missingFrom(env, missing);
};

const resolveChannel = async (env: Env, code: string) => {
  const channel = await getChannel(env, code);
  if (channel || !(await refreshAfterMiss(env, 'channels'))) return channel;
  return getChannel(env, code);
};

/**
 * Checks a command against the caller's role and the catalog, and narrows a hold for a channel to
 * the locations that feed it. Throws the Failure that refuses it; returns what SkuStock receives.
 */
export const prepareCommand = async (
  env: Env,
  principal: Principal,
  cmd: Command,
): Promise<{ command: Command; scope: Scope }> => {
  const auth = authorizeCommand(principal, cmd);
  if (!auth.ok) throw new Failure(auth.error);
  const own = refuseCheckoutNamespace(cmd, undefined);
  if (!own.ok) throw new Failure(own.error);
  const named = [...namedLocations(cmd), ...(cmd.op === 'hold' ? (cmd.locations ?? []) : [])];
  const unknown = await unknownLocations(env, named);
  if (unknown.length > 0) {
    throw new Failure({
      code: 'unknown_location',
      message: `Unknown location${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      details: { locations: unknown },
    });
  }
  if (cmd.op !== 'hold' || cmd.channel === undefined) return { command: cmd, scope: auth.value };

  const channel = await resolveChannel(env, cmd.channel);
  if (!channel) {
    throw new Failure({ code: 'unknown_channel', message: `Unknown channel: ${cmd.channel}` });
  }
  const outside = (cmd.locations ?? []).filter((l) => !channel.locations.includes(l));
  if (outside.length > 0) {
    throw new Failure({
      code: 'validation_failed',
      message: `Location${outside.length > 1 ? 's' : ''} ${outside.join(', ')} do${outside.length > 1 ? '' : 'es'} not feed channel ${channel.code}`,
      details: { channel: channel.code, locations: outside, channelLocations: channel.locations },
    });
  }
  // The channel decides whether lines may split; a caller may only ask for less.
  const allowSplit = channel.allowSplit && (cmd.allowSplit ?? true);
  return {
    command: { ...cmd, locations: cmd.locations ?? channel.locations, allowSplit },
    scope: auth.value,
  };
};
