import { z } from 'zod';
import type { SyncLag } from '../../protocol/stream';

// What a channel's ChannelSync last told this hub of its marketplace lag, so the `lag` answers
// to the channel's subscribers carry it (docs/stream.md). Kept in the hub's
// key-value storage: a hub woken after hibernation still has it.

/** What a ChannelSync reports with its ack: queued SKUs, and when the oldest mapped one changed. */
export const SyncLagReport = z.object({
  queueDepth: z.number().int().min(0),
  oldestChangedAt: z.number().nullable(),
});
export type SyncLagReport = z.infer<typeof SyncLagReport>;

/** The storage this needs: the synchronous key-value API of a SQLite-backed object. */
export type SyncLagStorage = {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  delete(key: string): unknown;
};

const PREFIX = 'stockmesh:sync-lag:';

/** A report as the sync status shows it at `now`: the oldest change's age in seconds. */
export const syncLagAt = (report: SyncLagReport, now: number): SyncLag => ({
  lagSeconds:
    report.oldestChangedAt === null
      ? 0
      : Math.round(Math.max(0, now - report.oldestChangedAt)) / 1000,
  queueDepth: report.queueDepth,
});

export class SyncLags {
  private readonly cache = new Map<string, SyncLagReport | null>();

  constructor(private readonly kv: SyncLagStorage) {}

  /** A ChannelSync's latest figures; null when its channel was disconnected. */
  put(channel: string, report: unknown): void {
    const parsed = report === null ? null : SyncLagReport.parse(report);
    this.cache.set(channel, parsed);
    if (parsed === null) this.kv.delete(PREFIX + channel);
    else this.kv.put(PREFIX + channel, parsed);
  }

  /** The `sync` field of a lag message for the channel: absent while no ChannelSync reported. */
  field(channel: string, now: number): { sync?: SyncLag } {
    let report = this.cache.get(channel);
    if (report === undefined) {
      const stored = SyncLagReport.safeParse(this.kv.get(PREFIX + channel));
      report = stored.success ? stored.data : null;
      this.cache.set(channel, report);
    }
    return report === null ? {} : { sync: syncLagAt(report, now) };
  }
}
