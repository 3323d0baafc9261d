import type { StockmeshClient } from '../../../client';
import { listedQuantity } from '../../../objects/stream-hub/listed';
import type { Channel, Location } from '../../../protocol/catalog';
import type { SkuSyncDetail } from '../../../protocol/connections';
import type { LocationStock, StockEvent } from '../../../protocol/stock';
import type { ListedRule } from '../../../protocol/stream';
import { clock, fmt, h, signed } from '../dom';
import { formatCover, STATUS_LABEL } from '../model/status';
import type { Entry } from '../model/store';
import { drawStepChart, type Point } from './chart';

const EVENTS_SHOWN = 25;
/** While a SKU is open, what each marketplace was told is read again this often. */
const SYNC_POLL_MS = 3000;
const HISTORY_EVENTS = 200;
const COLUMNS = [
  ['onHand', 'On hand'],
  ['reserved', 'Reserved'],
  ['committed', 'Committed'],
  ['unavailable', 'Unavailable'],
  ['incoming', 'Incoming'],
  ['safetyStock', 'Safety'],
  ['available', 'Available'],
] as const satisfies readonly (readonly [keyof LocationStock, string])[];

const ruleText = (rule: ListedRule, c: Channel): string => {
  switch (rule) {
    case 'available':
      return 'everything available at its locations';
    case 'exposed':
      return 'less what degraded channels still show (exposed)';
    case 'percentage':
      return `${c.percentage}% of available, rounded down`;
    case 'buffer':
      return `${c.buffer} units held back`;
    case 'end-when':
      return `listing ended at ${c.endWhen} or fewer`;
    case 'max':
      return `capped at ${c.maxListed ?? '∞'}`;
  }
};

const totalAvailable = (locations: readonly LocationStock[]) =>
  locations.reduce((sum, l) => sum + l.available, 0);

type SkuSync = SkuSyncDetail | null | Error;

/** What the marketplace shows of the SKU, in a word, and the detail for the cell's title. */
const syncText = (sync: SkuSync | undefined): { text: string; title: string; warn: boolean } => {
  if (sync === undefined) return { text: '…', title: 'loading', warn: false };
  if (sync === null) return { text: 'not connected', title: '', warn: false };
  if (sync instanceof Error) return { text: 'unknown', title: sync.message, warn: true };
  const error = sync.lastError;
  const title =
    error === null ? '' : `last error ${error.code} at ${clock(error.at)}: ${error.message}`;
  if (sync.mapping === null) return { text: 'unmapped', title, warn: true };
  if (sync.rejected !== null) {
    return { text: `refused: ${sync.rejected.code}`, title: sync.rejected.message, warn: true };
  }
  if (sync.inFlight !== null) return { text: `sending (${sync.inFlight})`, title, warn: false };
  if (sync.pending) return { text: 'pending', title, warn: true };
  return { text: 'shown', title, warn: false };
};

export type DetailDeps = {
  client: StockmeshClient;
  /** One SKU's sync on a channel; null when the channel has no connection. */
  skuSync: (channel: string, sku: string) => Promise<SkuSyncDetail | null>;
  channels: () => readonly Channel[];
  locations: () => ReadonlyMap<string, Location>;
  closed: () => void;
};

/**
 * One SKU in full: quantities per location, what each channel lists and why, available over
 * time, and its recent events with reasons and actors. Follows the SKU live while open.
 */
export class DetailPanel {
  private entry: Entry | undefined;
  private points: Point[] = [];
  private events: StockEvent[] = [];
  private eventsTimer = 0;
  private syncs = new Map<string, SkuSync>();
  private syncTimer = 0;
  private syncRequest = 0;
  private request = 0;
  private frame = 0;
  private readonly body: HTMLElement;
  private readonly title: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly deps: DetailDeps,
  ) {
    this.title = h('h2', { id: 'detail-title', tabindex: -1 });
    this.body = h('div', { class: 'detail-body' });
    const close = h(
      'button',
      { type: 'button', class: 'close', 'aria-label': 'Close SKU detail' },
      '×',
    );
    close.addEventListener('click', () => this.close());
    root.append(h('header', { class: 'detail-head' }, this.title, close), this.body);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
  }

  get openCode(): string | undefined {
    return this.entry?.code;
  }

  open(entry: Entry): void {
    const same = this.entry?.code === entry.code;
    this.entry = entry;
    if (!same) {
      this.points = [];
      this.events = [];
      this.syncs = new Map();
    }
    this.root.hidden = false;
    document.body.classList.add('detail-open');
    this.render();
    this.title.focus();
    if (!same) {
      void this.loadEvents();
      void this.loadSyncs();
    }
  }

  close(): void {
    if (this.entry === undefined) return;
    this.entry = undefined;
    clearTimeout(this.syncTimer);
    this.root.hidden = true;
    document.body.classList.remove('detail-open');
    this.deps.closed();
  }

  /** The open SKU changed (live): show it on the next frame, and fetch its newest events soon. */
  changed(entry: Entry): void {
    if (entry !== this.entry) return;
    this.points.push({
      t: Date.parse(entry.at) || Date.now(),
      value: totalAvailable(entry.locations),
    });
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
    clearTimeout(this.eventsTimer);
    this.eventsTimer = window.setTimeout(() => void this.loadEvents(), 250);
  }

  /** Reads the SKU's sync on every channel, then again every SYNC_POLL_MS while it is open. */
  private async loadSyncs(): Promise<void> {
    clearTimeout(this.syncTimer);
    const entry = this.entry;
    if (entry === undefined) return;
    const request = ++this.syncRequest;
    const channels = this.deps.channels();
    const read = await Promise.all(
      channels.map((c) =>
        this.deps
          .skuSync(c.code, entry.code)
          .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
      ),
    );
    if (request !== this.syncRequest || this.entry !== entry) return;
    this.syncs = new Map(channels.map((c, i) => [c.code, read[i] ?? null]));
    this.render();
    this.syncTimer = window.setTimeout(() => void this.loadSyncs(), SYNC_POLL_MS);
  }

  private async loadEvents(): Promise<void> {
    const entry = this.entry;
    if (entry === undefined) return;
    const request = ++this.request;
    try {
      const page = await this.deps.client.events(entry.code, {
        after: Math.max(0, entry.seq - HISTORY_EVENTS),
        limit: HISTORY_EVENTS,
      });
      if (request !== this.request || this.entry !== entry) return;
      this.events = page.events;
      const history = page.events.map((e) => ({ t: Date.parse(e.at), value: e.totals.available }));
      const lastSeen = history.at(-1)?.t ?? 0;
      this.points = [...history, ...this.points.filter((p) => p.t > lastSeen)];
      this.render();
    } catch (error) {
      if (request !== this.request) return;
      this.body
        .querySelector('.events')
        ?.replaceChildren(
          h(
            'li',
            { class: 'muted' },
            `Events could not be read: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
    }
  }

  private render(): void {
    const entry = this.entry;
    if (entry === undefined) return;
    this.title.textContent = entry.code;
    const available = totalAvailable(entry.locations);
    const names = this.deps.locations();
    const totals = Object.fromEntries(
      COLUMNS.map(([key]) => [key, entry.locations.reduce((sum, l) => sum + Number(l[key]), 0)]),
    );
    const chart = h('canvas', { class: 'chart', role: 'img' });
    this.body.replaceChildren(
      h('p', { class: 'detail-title' }, entry.title),
      h(
        'p',
        { class: 'detail-summary' },
        h(
          'span',
          { class: `chip ${entry.status}`, 'data-testid': 'detail-status' },
          STATUS_LABEL[entry.status],
        ),
        ` ${fmt(available)} available · cover ${formatCover(available, entry.perDay)} · sells ${entry.perDay.toFixed(entry.perDay < 10 ? 1 : 0)} a day`,
      ),
      h('h3', {}, 'Stock by location'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'levels', 'data-testid': 'detail-levels' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Location'),
              COLUMNS.map(([, label]) => h('th', { scope: 'col' }, label)),
            ),
          ),
          h(
            'tbody',
            {},
            entry.locations.length === 0
              ? h(
                  'tr',
                  {},
                  h('td', { colspan: COLUMNS.length + 1, class: 'muted' }, 'No stock records yet'),
                )
              : entry.locations.map((l) =>
                  h(
                    'tr',
                    { 'data-location': l.location },
                    h('th', { scope: 'row', title: names.get(l.location)?.name ?? '' }, l.location),
                    COLUMNS.map(([key]) => h('td', { 'data-field': key }, fmt(Number(l[key])))),
                  ),
                ),
          ),
          h(
            'tfoot',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, 'Total'),
              COLUMNS.map(([key]) => h('td', {}, fmt(totals[key] ?? 0))),
            ),
          ),
        ),
      ),
      h('h3', {}, 'Listed on channels'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'listed', 'data-testid': 'detail-listed' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Channel'),
              h('th', { scope: 'col' }, 'Listed'),
              h('th', { scope: 'col' }, 'Pushed'),
              h('th', { scope: 'col' }, 'Marketplace'),
              h('th', { scope: 'col' }, 'Set by'),
            ),
          ),
          h(
            'tbody',
            {},
            this.deps.channels().map((c) => {
              const listed = listedQuantity(c, entry.locations);
              const sync = this.syncs.get(c.code);
              const pushed = sync instanceof Error || sync == null ? null : sync.pushed;
              const state = syncText(sync);
              return h(
                'tr',
                { 'data-channel': c.code },
                h('th', { scope: 'row', title: c.name }, c.code),
                h('td', { 'data-field': 'listed' }, fmt(listed.quantity)),
                h(
                  'td',
                  {
                    'data-field': 'pushed',
                    title: pushed?.at == null ? undefined : `accepted at ${clock(pushed.at)}`,
                  },
                  pushed === null ? '—' : fmt(pushed.quantity),
                ),
                h(
                  'td',
                  { 'data-field': 'sync', title: state.title || undefined },
                  state.warn ? h('strong', { class: 'flag' }, state.text) : state.text,
                ),
                h('td', {}, ruleText(listed.rule, c)),
              );
            }),
          ),
        ),
      ),
      h('h3', {}, 'Available over time'),
      chart,
      h('h3', {}, 'Recent events'),
      h(
        'ol',
        { class: 'events', 'data-testid': 'detail-events', reversed: true },
        this.events.length === 0
          ? h('li', { class: 'muted' }, 'Loading events…')
          : this.events
              .slice(-EVENTS_SHOWN)
              .reverse()
              .map((e) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: e.at }, clock(e.at)),
                  ' ',
                  h('strong', {}, e.type),
                  ' ',
                  e.deltas
                    .map((d) =>
                      Object.entries(d)
                        .filter(([k, v]) => k !== 'location' && typeof v === 'number' && v !== 0)
                        .map(([k, v]) => `${d.location} ${k} ${signed(Number(v))}`)
                        .join(', '),
                    )
                    .join('; '),
                  h(
                    'span',
                    { class: 'why' },
                    ` · ${e.reason}${e.ref === null ? '' : ` · ${e.ref}`} · by ${e.actor}`,
                  ),
                ),
              ),
      ),
    );
    requestAnimationFrame(() => drawStepChart(chart, this.points));
  }
}
