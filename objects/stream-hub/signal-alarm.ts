import type { SignalEvent } from '../../protocol/webhooks';
import { type ChannelSignals, publishChannelSignals, retryDelayMs } from './channel-signals';

/** A channel-signal publish in flight is retried this long after it started if the hub dies. */
const SIGNAL_LEASE_MS = 15_000;

export type AlarmStorage = Pick<DurableObjectStorage, 'getAlarm' | 'setAlarm' | 'deleteAlarm'>;

/**
 * A hub's one alarm, which publishes its channel signals' outbox (channel-signals.ts): armed when
 * a judgement raises any, retried with backoff after a failure, and by the lease after a crash.
 */
export class SignalAlarm {
  private failures = 0;

  constructor(
    private readonly storage: AlarmStorage,
    private readonly signals: ChannelSignals,
    private readonly label: () => string,
  ) {}

  /** Arms the alarm now when a judgement raised signals. */
  raised(count: number): void {
    if (count > 0) void this.arm(Date.now());
  }

  /** Publishes a batch to `sink`; re-arms while signals wait. */
  async run(sink: (events: SignalEvent[]) => Promise<void>): Promise<void> {
    await this.arm(Date.now() + SIGNAL_LEASE_MS, true);
    const result = await publishChannelSignals(this.signals, sink);
    if (typeof result === 'object') {
      this.failures++;
      console.warn(`${this.label()}: channel signals not published`, result.error);
      await this.arm(Date.now() + retryDelayMs(this.failures), true);
      return;
    }
    this.failures = 0;
    if (result === 'more') await this.arm(Date.now(), true);
    else await this.storage.deleteAlarm();
  }

  /** Sets the alarm to `at` unless one is due sooner (`force`: to `at` regardless). */
  private async arm(at: number, force = false): Promise<void> {
    const current = await this.storage.getAlarm();
    if (force || current === null || current > at) await this.storage.setAlarm(at);
  }
}
