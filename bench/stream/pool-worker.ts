// A worker thread that plays the subscribers, so that their work (1,000 sockets, every row
// parsed and validated) does not delay the driver's own requests and timers.
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { Subscribers } from './subscribers.ts';

const Command = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('grow'), total: z.number().int() }),
  z.object({ cmd: z.literal('start') }),
  z.object({ cmd: z.literal('stop') }),
  z.object({ cmd: z.literal('close') }),
]);
const Data = z.object({ baseUrl: z.string(), apiKey: z.string(), shards: z.number().int() });

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts runs as a worker thread');
const { baseUrl, apiKey, shards } = Data.parse(workerData);
const subs = new Subscribers(baseUrl, apiKey, shards);

port.on('message', async (raw: unknown) => {
  const m = Command.parse(raw);
  try {
    if (m.cmd === 'grow') await subs.grow(m.total);
    if (m.cmd === 'start') subs.start();
    if (m.cmd === 'stop') {
      const samples = subs.stop().slice();
      port.postMessage({ ok: true, samples, resyncs: subs.resyncs }, [samples.buffer]);
      return;
    }
    if (m.cmd === 'close') subs.close();
    port.postMessage({ ok: true });
  } catch (error) {
    port.postMessage({ ok: false, error: String(error) });
  }
});
