import WebSocket from 'ws';
import { createStockmeshClient, type StockStream } from '../../client/index.ts';
import { PREFIX, SHARD } from './catalog.ts';

/** Growable store of latency samples (ms). */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Subscribers on the typed client over Node `ws`, each with its own socket to the bench shard,
 * recording for every live update the time since the event that produced it (its `at`).
 */
export class Subscribers {
  private readonly streams: StockStream[] = [];
  private samples = new Samples();
  private recording = false;
  resyncs = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly shards: number,
  ) {}

  get count(): number {
    return this.streams.length;
  }

  /** Opens subscribers until there are `total`, `batch` at a time, each caught up before the next batch. */
  async grow(total: number, batch = 50): Promise<void> {
    const client = createStockmeshClient({
      baseUrl: this.baseUrl,
      apiKey: this.apiKey,
      WebSocket,
      shards: this.shards,
      reconnect: { minDelayMs: 200, maxDelayMs: 2_000 },
    });
    while (this.streams.length < total) {
      const opening = Math.min(batch, total - this.streams.length);
      await Promise.all(Array.from({ length: opening }, () => this.open(client)));
    }
  }

  private open(client: ReturnType<typeof createStockmeshClient>): Promise<void> {
    const stream = client.stream({ prefix: PREFIX, shards: [SHARD] });
    this.streams.push(stream);
    return new Promise((ready, fail) => {
      stream
        .forEach((e) => {
          if (e.type === 'caught-up') ready();
          else if (e.type === 'update' && !e.replay && this.recording) {
            this.samples.push(Date.now() - Date.parse(e.at));
          } else if (e.type === 'reconnecting' && e.code === 4008) this.resyncs++;
        })
        .catch(fail);
    });
  }

  /** Starts a measured window: samples before it are dropped. */
  start(): void {
    this.samples = new Samples();
    this.recording = true;
  }

  /** Ends the window and returns its samples. */
  stop(): Float64Array {
    this.recording = false;
    return this.samples.values();
  }

  close(): void {
    for (const s of this.streams.splice(0)) s.close();
  }
}
