import { buildWeb } from '../../../web/build.ts';

/** vitest globalSetup: the browser tests serve web/dist, so build it from the current sources. */
export default async function setup(): Promise<void> {
  await buildWeb();
}
