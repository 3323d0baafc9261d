import type { WallStore } from '../model/store';
import type { Heatmap } from '../wall/heatmap';

/** What the browser tests and the benchmark read from the page (never written through). */
export type WallProbe = {
  /** The link state: loading, live, reconnecting, refused. */
  state(): string;
  shown(): number;
  total(): number;
  /** A SKU's tile: where it is drawn (page pixels) and what it shows; null when hidden. */
  tile(code: string): {
    x: number;
    y: number;
    size: number;
    sellable: number;
    status: string;
    seq: number;
  } | null;
  visibleCodes(limit: number): string[];
  /** Live changes applied since the page loaded. */
  changes(): number;
};

declare global {
  interface Window {
    stockmeshWall?: WallProbe;
  }
}

export const exposeForTests = (p: {
  store: WallStore;
  wall: Heatmap;
  link: () => string;
}): void => {
  const { store, wall } = p;
  window.stockmeshWall = {
    state: p.link,
    shown: () => store.visible.length,
    total: () => store.entries.length,
    tile: (code) => {
      const entry = store.get(code);
      const rect = wall.tileRect(code);
      if (entry === undefined || rect === undefined) return null;
      return { ...rect, sellable: entry.sellable, status: entry.status, seq: entry.seq };
    },
    changes: () => store.liveChanges,
    visibleCodes: (limit) =>
      Array.from(store.visible.subarray(0, limit), (i) => store.entries[i]?.code ?? ''),
  };
};
