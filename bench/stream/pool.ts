import { Worker } from 'node:worker_threads';
import { z } from 'zod';

const Reply = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  samples: z.instanceof(Float64Array).optional(),
  resyncs: z.number().optional(),
});
type Reply = z.infer<typeof Reply>;

/** The subscribers, played by a worker thread (pool-worker.ts); one command at a time. */
export class SubscriberPool {
  private readonly worker: Worker;
  count = 0;

  constructor(baseUrl: string, apiKey: string, shards: number) {
    // Node 20 gives a worker thread no loader hooks: it registers tsx itself, then loads the pool.
    const bootstrap = [
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
      'register();',
      `await import(${JSON.stringify(new URL('./pool-worker.ts', import.meta.url).href)});`,
    ].join('\n');
    this.worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), {
      workerData: { baseUrl, apiKey, shards },
    });
  }

  private ask(command: object): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      this.worker.once('message', (raw: unknown) => {
        this.worker.off('error', failed);
        const reply = Reply.parse(raw);
        if (reply.ok) resolve(reply);
        else reject(new Error(reply.error));
      });
      this.worker.once('error', failed);
      this.worker.postMessage(command);
    });
  }

  /** Opens subscribers until there are `total`, all caught up. */
  async grow(total: number): Promise<void> {
    await this.ask({ cmd: 'grow', total });
    this.count = total;
  }

  async start(): Promise<void> {
    await this.ask({ cmd: 'start' });
  }

  /** Ends the window: its latency samples (ms) and the resyncs so far. */
  async stop(): Promise<{ samples: Float64Array; resyncs: number }> {
    const reply = await this.ask({ cmd: 'stop' });
    return { samples: reply.samples ?? new Float64Array(), resyncs: reply.resyncs ?? 0 };
  }

  async close(): Promise<void> {
    await this.ask({ cmd: 'close' });
    await this.worker.terminate();
  }
}
