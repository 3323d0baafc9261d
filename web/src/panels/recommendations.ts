import { type Recommendation, RecommendationList } from '../../../protocol/recommendations';
import type { RecommendationMessage } from '../../../protocol/stream';
import { clock, fmt, h } from '../dom';

// Changes arrive on the stream (live/recommendation-feed.ts); the poll only catches what a
// dropped socket missed.
const POLL_MS = 60_000;
const LIMIT = 50;

type Read = Recommendation[] | Error | undefined;

/** "MAN-1 → RTM-1" for a transfer, the ordering location for a supplier order. */
const where = (r: Recommendation) => (r.from === null ? r.location : `${r.from} → ${r.location}`);
const what = (r: Recommendation) => (r.kind === 'transfer' ? 'move' : 'order');
const urgency = (r: Recommendation) =>
  Date.parse(r.urgentAt) <= Date.now() ? 'now' : clock(r.urgentAt);

/** The list's order: most urgent first, then by id (GET /v1/recommendations). */
const byUrgency = (a: Recommendation, b: Recommendation) =>
  a.urgentAt.localeCompare(b.urgentAt) || a.id.localeCompare(b.id);

/**
 * Open recommendations (GET /v1/recommendations, most urgent first; docs/recommendations.md):
 * a list panel read when the page opens and kept current by the stream's `recommendation`
 * messages (re-read after a reconnect and every minute while visible), and the open SKU's own in
 * its detail.
 */
export class RecommendationsPanel {
  private timer = 0;
  private list: Read;
  private skuCode: string | null = null;
  private readonly skuSection = h('section', { class: 'detail-recs', 'data-recs': 'sku' });

  constructor(
    private readonly root: HTMLElement,
    private readonly origin: string,
    private readonly apiKey: string,
    private readonly openSku: (code: string) => void,
  ) {
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) void this.poll();
    });
  }

  start(): void {
    void this.poll();
  }

  /** A recommendation changed (the stream): the list and the open SKU's detail follow it. */
  change({ recommendation: r }: RecommendationMessage): void {
    if (Array.isArray(this.list)) {
      const others = this.list.filter((x) => x.id !== r.id);
      this.list = (r.status === 'open' ? [...others, r] : others).sort(byUrgency).slice(0, LIMIT);
      this.render();
    }
    const code = this.skuCode;
    if (code === r.sku && this.skuSection.isConnected) {
      void this.fetch(`sku=${encodeURIComponent(code)}`).then((read) => {
        if (this.skuCode === code) this.skuSection.replaceChildren(...this.skuView(read));
      });
    }
  }

  /** Reads the list again now (a stream socket reconnected and may have missed changes). */
  refresh(): void {
    void this.poll();
  }

  /** Shows a SKU's open recommendations at the end of the detail panel (`detail` its root). */
  showSku(detail: HTMLElement, code: string): void {
    this.skuCode = code;
    if (this.skuSection.parentElement !== detail) detail.append(this.skuSection);
    this.skuSection.replaceChildren(h('p', { class: 'muted' }, 'Recommendations: loading…'));
    void this.fetch(`sku=${encodeURIComponent(code)}`).then((read) => {
      if (this.skuCode === code) this.skuSection.replaceChildren(...this.skuView(read));
    });
  }

  private async fetch(query: string): Promise<Read> {
    try {
      const res = await fetch(`${this.origin}/v1/recommendations?limit=${LIMIT}&${query}`, {
        headers: { authorization: `Bearer ${this.apiKey}` },
      });
      if (!res.ok) return new Error(`GET /v1/recommendations: HTTP ${res.status}`);
      return RecommendationList.parse(await res.json()).items;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async poll(): Promise<void> {
    clearTimeout(this.timer);
    this.list = await this.fetch('');
    this.render();
    if (!document.hidden) this.timer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  private render(): void {
    const list = this.list;
    if (list === undefined || list instanceof Error) {
      this.root.replaceChildren(h('p', { class: 'muted' }, list?.message ?? 'Loading…'));
      return;
    }
    if (list.length === 0) {
      this.root.replaceChildren(h('p', { class: 'muted' }, 'Nothing to order or move.'));
      return;
    }
    const rows = list.map((r) => {
      const open = h('button', { type: 'button', class: 'link' }, r.sku);
      open.addEventListener('click', () => this.openSku(r.sku));
      return h(
        'tr',
        { title: r.reason, 'data-rec': r.id, class: urgency(r) === 'now' ? 'urgent' : undefined },
        h('td', {}, open),
        h('td', {}, what(r)),
        h('td', {}, where(r)),
        h('td', { class: 'num' }, fmt(r.quantity)),
        h('td', {}, urgency(r)),
      );
    });
    this.root.replaceChildren(
      h(
        'table',
        { class: 'recs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['SKU', 'do', 'where', 'units', 'urgent'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  }

  private skuView(read: Read): HTMLElement[] {
    const title = h('h3', {}, 'Recommendations');
    if (read === undefined || read instanceof Error) {
      return [title, h('p', { class: 'muted' }, read?.message ?? 'Loading…')];
    }
    if (read.length === 0) return [title, h('p', { class: 'muted' }, 'None open.')];
    return [
      title,
      h(
        'ul',
        { class: 'recs' },
        ...read.map((r) =>
          h(
            'li',
            { 'data-rec': r.id },
            h('strong', {}, `${what(r)} ${fmt(r.quantity)} · ${where(r)} · urgent ${urgency(r)}`),
            h('p', { class: 'muted' }, r.reason),
          ),
        ),
      ),
    ];
  }
}
