import type { StockmeshClient } from '../../../client';
import type { Channel } from '../../../protocol/catalog';
import type { ChannelLag } from '../../../protocol/stream';
import { fmt, h } from '../dom';

/** A connector this far behind, in cursor positions or in seconds, is highlighted. */
export const BEHIND_CURSORS = 200;
export const BEHIND_SECONDS = 5;
const POLL_MS = 3000;

const isBehind = (c: ChannelLag['connectors'][number]) =>
  c.behind >= BEHIND_CURSORS || c.lagSeconds >= BEHIND_SECONDS;

/**
 * Each channel's connectors and how far behind the stream they are, in cursor positions and in
 * seconds (GET /v1/channels/{code}/lag, polled while the page is visible).
 */
export class ChannelsPanel {
  private timer = 0;
  private lags = new Map<string, ChannelLag | Error>();

  constructor(
    private readonly root: HTMLElement,
    private readonly client: StockmeshClient,
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
    const results = await Promise.all(
      this.channels().map(async (c): Promise<[string, ChannelLag | Error]> => {
        try {
          return [c.code, await this.client.channelLag(c.code)];
        } catch (error) {
          return [c.code, error instanceof Error ? error : new Error(String(error))];
        }
      }),
    );
    this.lags = new Map(results);
    this.render();
    if (!document.hidden) this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private render(): void {
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
            `${c.lagSeconds.toFixed(1)} s`,
            behind ? h('strong', { class: 'flag' }, ' behind') : '',
          ),
        );
      });
    });
    this.root.replaceChildren(
      h(
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
      ),
    );
  }
}
