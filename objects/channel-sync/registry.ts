import type { AnyAdapter, HttpRequest, HttpResponse } from './adapter';
import { adapterFor } from './adapters';

// Which adapter a channel's connection uses, and where its requests go. Tests may give one
// channel another adapter and marketplace (`useTestMarketplace`); nothing else ever does.

export type TestMarketplace = {
  /** Used instead of the built-in adapter of the connection's kind. */
  adapter?: AnyAdapter;
  /** Answers the channel's requests instead of the network and the MARKETPLACES binding. */
  send?: (req: HttpRequest) => Promise<HttpResponse>;
};

const testMarketplaces = new Map<string, TestMarketplace>();

/** Test-only: a channel's connection uses this adapter and marketplace (undefined: the real ones). */
export const useTestMarketplace = (channel: string, m: TestMarketplace | undefined): void => {
  if (m === undefined) testMarketplaces.delete(channel);
  else testMarketplaces.set(channel, m);
};

/** The adapter of a connection, or null for a kind this build does not know. */
export const adapterOf = (channel: string, kind: string): AnyAdapter | null =>
  testMarketplaces.get(channel)?.adapter ?? adapterFor(kind);

/** The test marketplace answering for this channel, if a test set one. */
export const testSenderOf = (channel: string) => testMarketplaces.get(channel)?.send;
