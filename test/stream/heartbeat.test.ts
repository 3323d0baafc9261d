import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PING } from '../../protocol/stream';
import { streamHub } from '../../shared/stubs';
import { is, openSocket } from './support';

describe('stream heartbeats', () => {
  it("are answered by the hub's runtime (auto-response), not by waking the hub's code", async () => {
    const s = await openSocket('shard=2');
    await s.waitFor(is('caught-up'));
    const before = s.messages.length;
    s.ws.send(PING);
    s.ws.send(PING);
    await s.until(() => (s.pongs() === 2 ? true : undefined), 'two pongs');
    expect(s.messages.length).toBe(before);
    const answered = await runInDurableObject(streamHub(env, 2), (_, state) =>
      state.getWebSockets().some((ws) => state.getWebSocketAutoResponseTimestamp(ws) !== null),
    );
    expect(answered).toBe(true);
    s.ws.close();
  });
});
