import type { StockmeshClient } from '../../../client';
import type { Channel } from '../../../protocol/catalog';
import type { SyncStatus } from '../../../protocol/connections';
import type { ChannelLag } from '../../../protocol/stream';
import type { CatalogApi } from '../api';
import { fmt, h } from '../dom';

/** A connector this far behind, in cursor positions or in seconds, is highlighted. */
export const BEHIND_CURSORS = 200;
export const BEHIND_SECONDS = 5;
const POLL_MS = 3000;

const isBehind = (c: ChannelLag['connectors'][number]) =>
  c.behind >= BEHIND_CURSORS || c.lagSeconds >= BEHIND_SECONDS;

type Read<T> = T | Error | undefined;
const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
const seconds = (s: number) => `${s.toFixed(1)} s`;

/** The throttle as one short phrase: waiting until when, or what the marketplace's limit reads. */
const throttleText = (t: SyncStatus['throttle']): string => {
  if (t.notBefore === null) return t.describe;
  const wait = Math.max(0, (Date.parse(t.notBefore) - Date.now()) / 1000);
  return `waiting ${seconds(wait)}${t.failures > 0 ? ` after ${t.failures} failures` : ''} · ${t.describe}`;
};

/**
 * Each channel's connectors and how far behind the stream they are, in cursor positions and in
 * seconds (GET /v1/channels/{code}/lag), and each connected channel's sync to its marketplace
 * (GET /v1/channels/{code}/sync): polled while the page is visible.
 */
export class ChannelsPanel {
  private timer = 0;
  private lags = new Map<string, Read<ChannelLag>>();
  private syncs = new Map<string, Read<SyncStatus | null>>();

  constructor(
    private readonly root: HTMLElement,
    private readonly client: StockmeshClient,
    private readonly api: Pick<CatalogApi, 'syncStatus'>,
    private readonly channels: () => readonly Channel[],
  ) {
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) void this.poll();
    });
  }

  start(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    clearTimeout(this.timer);
    const codes = this.channels().map((c) => c.code);
    const [lags, syncs] = await Promise.all([
      Promise.all(codes.map((c) => this.client.channelLag(c).catch(asError))),
      Promise.all(codes.map((c) => this.api.syncStatus(c).catch(asError))),
    ]);
    this.lags = new Map(codes.map((c, i) => [c, lags[i]]));
    this.syncs = new Map(codes.map((c, i) => [c, syncs[i]]));
    this.render();
    if (!document.hidden) this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private render(): void {
    this.root.replaceChildren(this.lagTable(), this.syncTable());
  }

  private lagTable(): HTMLElement {
    const rows = this.channels().flatMap((channel) => {
      const lag = this.lags.get(channel.code);
      const name = h('th', { scope: 'row', rowspan: 1, title: channel.name }, channel.code);
      if (lag === undefined || lag instanceof Error) {
        return [
          h('tr', {}, name, h('td', { colspan: 3, class: 'muted' }, lag?.message ?? 'loading…')),
        ];
      }
      if (lag.connectors.length === 0) {
        return [h('tr', {}, name, h('td', { colspan: 3, class: 'muted' }, 'no connector yet'))];
      }
      return lag.connectors.map((c, i) => {
        const behind = isBehind(c);
        return h(
          'tr',
          { class: behind ? 'behind' : undefined, 'data-connector': c.connector },
          i === 0 ? name : h('th', { scope: 'row' }, h('span', { class: 'sr-only' }, channel.code)),
          h(
            'td',
            { title: c.connector },
            c.connector.slice(0, 10),
            c.connected ? '' : h('span', { class: 'muted' }, ' offline'),
          ),
          h('td', { class: 'num' }, fmt(c.behind)),
          h(
            'td',
            { class: 'num' },
            seconds(c.lagSeconds),
            behind ? h('strong', { class: 'flag' }, ' behind') : '',
          ),
        );
      });
    });
    return h(
      'table',
      { class: 'lag' },
      h(
        'caption',
        { class: 'sr-only' },
        `Connector lag per channel: stream positions not yet acknowledged, and the age of the oldest; highlighted from ${BEHIND_CURSORS} positions or ${BEHIND_SECONDS} seconds`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Channel'),
          h('th', { scope: 'col' }, 'Connector'),
          h('th', { scope: 'col', class: 'num' }, 'Behind'),
          h('th', { scope: 'col', class: 'num' }, 'Lag'),
        ),
      ),
      h('tbody', {}, rows),
    );
  }

  /** One row per connected channel, and its last error beneath it when it has one. */
  private syncTable(): HTMLElement {
    const rows = this.channels().flatMap((channel) => {
      const sync = this.syncs.get(channel.code);
      if (sync === null) return [];
      const name = h('th', { scope: 'row', title: channel.name }, channel.code);
      if (sync === undefined || sync instanceof Error) {
        return [
          h(
            'tr',
            { 'data-sync': channel.code },
            name,
            h('td', { colspan: 5, class: 'muted' }, sync?.message ?? 'loading…'),
          ),
        ];
      }
      const behind =
        sync.state !== 'active' || sync.lagSeconds >= BEHIND_SECONDS || sync.degraded !== null;
      // Degraded: its pushed quantities count as exposed (the other channels list less).
      const degraded =
        sync.degraded === null
          ? null
          : h(
              'strong',
              {
                class: 'flag',
                'data-field': 'degraded',
                title: `degraded (${sync.degraded.reason}) since ${sync.degraded.since}: ${fmt(sync.degraded.exposedSkus)} SKUs exposed`,
              },
              ' degraded',
            );
      const row = h(
        'tr',
        { class: behind ? 'behind' : undefined, 'data-sync': channel.code },
        name,
        h(
          'td',
          { 'data-field': 'state', title: sync.kind },
          sync.state === 'active' ? sync.kind : h('strong', { class: 'flag' }, sync.state),
          degraded,
        ),
        h(
          'td',
          { class: 'num', 'data-field': 'depth', title: `${fmt(sync.queue.unmapped)} unmapped` },
          fmt(sync.queue.depth),
        ),
        h('td', { class: 'num', 'data-field': 'oldest' }, seconds(sync.queue.oldestAgeSeconds)),
        h('td', { class: 'num', 'data-field': 'lag' }, seconds(sync.lagSeconds)),
        h(
          'td',
          { class: 'throttle', 'data-field': 'throttle', title: throttleText(sync.throttle) },
          throttleText(sync.throttle),
        ),
      );
      const error = sync.lastError;
      if (error === null) return [row];
      return [
        row,
        h(
          'tr',
          { class: 'sync-error', 'data-sync-error': channel.code },
          h('th', { scope: 'row' }, h('span', { class: 'sr-only' }, channel.code)),
          h(
            'td',
            { colspan: 5, 'data-field': 'error', title: error.message },
            `${error.code} at ${new Date(error.at).toLocaleTimeString('en-GB', { hour12: false })}: ${error.message}`,
          ),
        ),
      ];
    });
    if (rows.length === 0) {
      return h('p', { class: 'muted', 'data-testid': 'sync-none' }, 'No channel is connected');
    }
    const table = h(
      'table',
      { class: 'lag sync', 'data-testid': 'sync' },
      h(
        'caption',
        {},
        'Marketplace sync: SKUs queued, age of the oldest, how far behind the marketplace shows, and its limit',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Channel'),
          h('th', { scope: 'col' }, 'State'),
          h('th', { scope: 'col', class: 'num' }, 'Queue'),
          h('th', { scope: 'col', class: 'num' }, 'Oldest'),
          h('th', { scope: 'col', class: 'num' }, 'Lag'),
          h('th', { scope: 'col' }, 'Throttle'),
        ),
      ),
      h('tbody', {}, rows),
    );
    return h('div', { class: 'table-wrap' }, table);
  }
}
