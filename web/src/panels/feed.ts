import type { SignalEvent } from '../../../protocol/webhooks';
import { clock, h, signed } from '../dom';
import type { Movement } from '../model/movements';

/** A feed line: a movement, or a stock signal (docs/signals.md). */
type Item = { movement: Movement } | { signal: SignalEvent };

const SIGNAL_LABEL: Record<string, string> = {
  low: 'LOW',
  out: 'OUT',
  back_in_stock: 'BACK',
  oversold: 'OVERSOLD',
  channel_degraded: 'DEGRADED',
  webhook_disabled: 'WEBHOOK OFF',
};

/** The numbers behind a signal, as a person reads them. */
const signalText = (e: SignalEvent): string => {
  const d = e.data;
  const parts: string[] = [];
  if (typeof d.listed === 'number') parts.push(`listed ${d.listed}`);
  if (typeof d.available === 'number') parts.push(`available ${d.available}`);
  if (typeof d.coverDays === 'number') parts.push(`cover ${d.coverDays} d`);
  if (typeof d.rule === 'string') parts.push(d.rule);
  return parts.join(' · ');
};

const KEPT = 200;
const SHOWN = 40;
const RENDER_MS = 250;

const LABEL: Record<string, string> = {
  onHand: 'on hand',
  reserved: 'reserved',
  committed: 'committed',
  unavailable: 'unavailable',
  incoming: 'incoming',
  available: 'available',
};

/**
 * The live feed of movements, newest first. Arrivals are kept in a ring and the list is rebuilt
 * at most four times a second, so a burst of hundreds a second costs a few DOM updates.
 */
export class FeedPanel {
  private readonly items: Item[] = [];
  private timer = 0;
  private paused = false;

  constructor(
    private readonly list: HTMLElement,
    pause: HTMLInputElement,
    private readonly open: (sku: string) => void,
  ) {
    pause.addEventListener('change', () => {
      this.paused = pause.checked;
      if (!this.paused) this.schedule();
    });
    list.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target.closest('button[data-sku]') : null;
      const sku = target?.getAttribute('data-sku');
      if (sku) this.open(sku);
    });
  }

  add(m: Movement): void {
    this.push({ movement: m });
  }

  /** A stock signal, highlighted among the movements. */
  addSignal(e: SignalEvent): void {
    this.push({ signal: e });
  }

  private push(item: Item): void {
    this.items.push(item);
    if (this.items.length > KEPT) this.items.splice(0, this.items.length - KEPT);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== 0 || this.paused) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.render();
    }, RENDER_MS);
  }

  private render(): void {
    const newest = this.items.slice(-SHOWN).reverse();
    this.list.replaceChildren(
      ...newest.map((item) => {
        if ('signal' in item) {
          const e = item.signal;
          return h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                'data-sku': e.sku ?? '',
                class: `feed-item signal signal-${e.type}`,
              },
              h('time', { datetime: e.at }, clock(e.at)),
              h('span', { class: 'sku' }, e.sku ?? ''),
              h('span', { class: 'loc' }, e.location ?? e.channel ?? ''),
              h('span', { class: 'kind' }, SIGNAL_LABEL[e.type] ?? e.type),
              h('span', { class: 'deltas' }, signalText(e)),
            ),
          );
        }
        const m = item.movement;
        return h(
          'li',
          {},
          h(
            'button',
            { type: 'button', 'data-sku': m.sku, class: 'feed-item' },
            h('time', { datetime: m.at }, clock(m.at)),
            h('span', { class: 'sku' }, m.sku),
            h('span', { class: 'loc' }, m.location),
            h('span', { class: 'kind' }, m.kind),
            h(
              'span',
              { class: 'deltas' },
              m.deltas
                .filter((d) => d.field !== 'available')
                .map((d) => `${LABEL[d.field] ?? d.field} ${signed(d.delta)}`)
                .join(', '),
            ),
          ),
        );
      }),
    );
  }
}
