import type { Entry, WallStore } from '../model/store';
import { FLASH_MS, STATUS_COLOUR, WALL_BACKGROUND } from './colours';
import { type Layout, layoutFor, moveFocus, positionAt, tileOrigin } from './layout';

export type WallElements = {
  /** Scrolls; holds the canvas (sticky) and the sizer that gives the scroll height. */
  scroller: HTMLElement;
  sizer: HTMLElement;
  canvas: HTMLCanvasElement;
  /** Outlines the keyboard focus tile; moved, never redrawn into the canvas. */
  focusRing: HTMLElement;
  tooltip: HTMLElement;
};

export type WallHooks = {
  open(entry: Entry): void;
  /** The focus moved to this SKU (for the screen-reader description). */
  focused(entry: Entry | undefined): void;
  describe(entry: Entry): string;
};

/**
 * The stock wall: one tile per visible SKU on a canvas. Changes are batched per animation frame
 * and only their tiles are redrawn (plus the fading flash of recent ones); a full redraw happens
 * only when the layout, the scroll position or the filters change.
 */
export class Heatmap {
  private layout: Layout = { cols: 1, rows: 0, pitch: 10, tile: 9, pad: 4 };
  private readonly ctx: CanvasRenderingContext2D;
  private readonly dirty = new Set<number>();
  private readonly flashing = new Set<number>();
  private full = true;
  private frame = 0;
  private width = 0;
  private height = 0;
  private dpr = 1;
  /** The focused entry (index into store.entries), kept across re-filtering. */
  private focusIndex = -1;
  /** The entry under the pointer (its tooltip follows it live), -1 when none. */
  private hovered = -1;
  private tipStale = false;
  /** The focused SKU changed; its description (a polite live region) is refreshed every 2 s. */
  private focusStale = false;
  private focusToldAt = 0;
  /** Called after every drawn frame with its timestamp (the page's counters use it). */
  onFrame: (now: number) => void = () => {};

  constructor(
    private readonly store: WallStore,
    private readonly el: WallElements,
    private readonly hooks: WallHooks,
  ) {
    const ctx = el.canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('This browser cannot draw a 2D canvas');
    this.ctx = ctx;
    new ResizeObserver(() => this.relayout()).observe(el.scroller);
    el.scroller.addEventListener(
      'scroll',
      () => {
        this.redrawAll();
        this.positionRing();
      },
      { passive: true },
    );
    el.canvas.addEventListener('keydown', (e) => this.onKey(e));
    el.canvas.addEventListener('focus', () => this.showFocus());
    el.canvas.addEventListener('blur', () => {
      el.focusRing.hidden = true;
    });
    el.canvas.addEventListener('click', (e) => {
      const entry = this.entryAtPointer(e);
      if (entry === undefined) return;
      this.setFocus(entry.index);
      hooks.open(entry);
    });
    el.canvas.addEventListener('pointermove', (e) => this.hover(e));
    el.canvas.addEventListener('pointerleave', () => {
      el.tooltip.hidden = true;
      this.hovered = -1;
    });
    this.relayout();
  }

  /** A SKU changed: redraw its tile on the next frame (flashing if it moved live). */
  changed(entry: Entry, flash: boolean): void {
    this.dirty.add(entry.index);
    if (flash) this.flashing.add(entry.index);
    if (entry.index === this.hovered) this.tipStale = true;
    if (entry.index === this.focusIndex) this.focusStale = true;
    this.request();
  }

  /** The visible set changed: lay out again. */
  reordered(): void {
    this.relayout();
  }

  /** Geometry of the tile of a SKU in page coordinates, or undefined when it is not shown. */
  tileRect(code: string): { x: number; y: number; size: number } | undefined {
    const entry = this.store.get(code);
    const pos = entry === undefined ? -1 : (this.store.slot[entry.index] ?? -1);
    if (pos < 0) return undefined;
    const { x, y } = tileOrigin(this.layout, pos);
    const box = this.el.canvas.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y - this.el.scroller.scrollTop, size: this.layout.tile };
  }

  /** Scrolls the tile of a position into view. */
  reveal(pos: number): void {
    const { y } = tileOrigin(this.layout, pos);
    const s = this.el.scroller;
    if (y < s.scrollTop) s.scrollTop = y - this.layout.pad;
    else if (y + this.layout.pitch > s.scrollTop + this.height) {
      s.scrollTop = y + this.layout.pitch - this.height + this.layout.pad;
    }
  }

  private relayout(): void {
    const s = this.el.scroller;
    this.width = s.clientWidth;
    this.height = s.clientHeight;
    this.layout = layoutFor(this.store.visible.length, this.width, this.height);
    const contentHeight = this.layout.rows * this.layout.pitch + 2 * this.layout.pad;
    this.el.sizer.style.height = `${Math.max(0, contentHeight - this.height)}px`;
    this.dpr = window.devicePixelRatio || 1;
    const c = this.el.canvas;
    c.style.width = `${this.width}px`;
    c.style.height = `${this.height}px`;
    c.width = Math.round(this.width * this.dpr);
    c.height = Math.round(this.height * this.dpr);
    this.redrawAll();
    this.positionRing();
  }

  private redrawAll(): void {
    this.full = true;
    this.request();
  }

  private request(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame((now) => this.draw(now));
  }

  private draw(now: number): void {
    this.frame = 0;
    // A change that moved SKUs in or out of the filters re-packs the wall (relayout redraws).
    if (this.store.settle()) return;
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (this.full) {
      this.full = false;
      this.dirty.clear();
      ctx.fillStyle = WALL_BACKGROUND;
      ctx.fillRect(0, 0, this.width, this.height);
      const { cols, pitch, pad } = this.layout;
      const top = this.el.scroller.scrollTop;
      const first = Math.max(0, Math.floor((top - pad) / pitch)) * cols;
      const last = Math.min(
        this.store.visible.length,
        (Math.ceil((top + this.height - pad) / pitch) + 1) * cols,
      );
      for (let pos = first; pos < last; pos++) this.drawAt(pos, now);
    } else {
      for (const index of this.dirty) this.drawEntry(index, now);
      this.dirty.clear();
    }
    for (const index of this.flashing) {
      const entry = this.store.entries[index];
      if (entry === undefined || now - entry.changedAt >= FLASH_MS) this.flashing.delete(index);
      this.drawEntry(index, now);
    }
    if (this.flashing.size > 0 || this.focusStale) this.request();
    if (this.focusStale && now - this.focusToldAt > 2000) {
      this.focusStale = false;
      this.focusToldAt = now;
      this.hooks.focused(this.store.entries[this.focusIndex]);
    }
    if (this.tipStale) {
      this.tipStale = false;
      const entry = this.store.entries[this.hovered];
      if (entry !== undefined && !this.el.tooltip.hidden) {
        this.el.tooltip.textContent = this.hooks.describe(entry);
      }
    }
    this.onFrame(now);
  }

  private drawEntry(index: number, now: number): void {
    const pos = this.store.slot[index] ?? -1;
    if (pos >= 0) this.drawAt(pos, now);
  }

  private drawAt(pos: number, now: number): void {
    const entry = this.store.entries[this.store.visible[pos] ?? -1];
    if (entry === undefined) return;
    const { tile } = this.layout;
    const { x, y: contentY } = tileOrigin(this.layout, pos);
    const y = contentY - this.el.scroller.scrollTop;
    if (y + tile < 0 || y > this.height) return;
    const ctx = this.ctx;
    const colour = STATUS_COLOUR[entry.status];
    ctx.fillStyle = colour;
    ctx.fillRect(x, y, tile, tile);
    if (entry.status === 'out' && tile >= 5) {
      ctx.fillStyle = WALL_BACKGROUND;
      const inset = Math.max(1, Math.floor(tile / 4));
      ctx.fillRect(x + inset, y + inset, tile - 2 * inset, tile - 2 * inset);
    }
    const age = now - entry.changedAt;
    if (entry.changedAt > 0 && age < FLASH_MS) {
      ctx.fillStyle = `rgba(255,255,255,${(0.9 * (1 - age / FLASH_MS)).toFixed(3)})`;
      ctx.fillRect(x, y, tile, tile);
    }
  }

  private entryAtPointer(e: MouseEvent): Entry | undefined {
    const box = this.el.canvas.getBoundingClientRect();
    const pos = positionAt(
      this.layout,
      this.store.visible.length,
      e.clientX - box.left,
      e.clientY - box.top + this.el.scroller.scrollTop,
    );
    return pos < 0 ? undefined : this.store.entries[this.store.visible[pos] ?? -1];
  }

  private hover(e: PointerEvent): void {
    const tip = this.el.tooltip;
    const entry = this.entryAtPointer(e);
    this.hovered = entry?.index ?? -1;
    if (entry === undefined) {
      tip.hidden = true;
      return;
    }
    tip.textContent = this.hooks.describe(entry);
    tip.hidden = false;
    const host = this.el.scroller.getBoundingClientRect();
    const x = Math.min(e.clientX - host.left + 14, host.width - tip.offsetWidth - 4);
    const y = e.clientY - host.top + 16;
    tip.style.transform = `translate(${Math.max(4, x)}px, ${y + tip.offsetHeight > host.height ? y - tip.offsetHeight - 24 : y}px)`;
  }

  private focusPos(): number {
    return this.focusIndex < 0 ? -1 : (this.store.slot[this.focusIndex] ?? -1);
  }

  private setFocus(index: number): void {
    this.focusIndex = index;
    this.showFocus();
  }

  private showFocus(): void {
    const count = this.store.visible.length;
    let pos = this.focusPos();
    if (pos < 0 && count > 0) {
      pos = 0;
      this.focusIndex = this.store.visible[0] ?? -1;
    }
    if (pos >= 0) this.reveal(pos);
    this.positionRing();
    this.hooks.focused(pos < 0 ? undefined : this.store.entries[this.focusIndex]);
  }

  /** Moves the focus outline over the focused tile (hidden when the wall has no focus). */
  private positionRing(): void {
    const ring = this.el.focusRing;
    const pos = this.focusPos();
    if (pos < 0 || document.activeElement !== this.el.canvas) {
      ring.hidden = true;
      return;
    }
    const { x, y } = tileOrigin(this.layout, pos);
    ring.hidden = false;
    ring.style.width = `${this.layout.tile + 4}px`;
    ring.style.height = `${this.layout.tile + 4}px`;
    ring.style.transform = `translate(${x - 2}px, ${y - 2 - this.el.scroller.scrollTop}px)`;
  }

  private onKey(e: KeyboardEvent): void {
    const count = this.store.visible.length;
    if (count === 0) return;
    const pos = Math.max(0, this.focusPos());
    if (e.key === 'Enter' || e.key === ' ') {
      const entry = this.store.entries[this.store.visible[pos] ?? -1];
      if (entry !== undefined) this.hooks.open(entry);
      e.preventDefault();
      return;
    }
    const pageRows = Math.floor(this.height / this.layout.pitch) - 1;
    const next = moveFocus(e.key, pos, count, this.layout, pageRows);
    if (next === undefined) return;
    e.preventDefault();
    this.setFocus(this.store.visible[next] ?? -1);
  }
}
