/** How tiles sit on the wall: `cols` per row, `pitch` CSS pixels apart (tile plus gap). */
export type Layout = { cols: number; rows: number; pitch: number; tile: number; pad: number };

const MIN_PITCH = 6;
const MAX_PITCH = 26;
const PAD = 4;

/**
 * The largest tiles that show all `count` SKUs in the viewport, or the smallest allowed when even
 * those do not fit (the wall then scrolls).
 */
export const layoutFor = (count: number, width: number, height: number): Layout => {
  const usable = Math.max(MIN_PITCH, width - 2 * PAD);
  let pitch = MAX_PITCH;
  for (; pitch > MIN_PITCH; pitch--) {
    const cols = Math.max(1, Math.floor(usable / pitch));
    if (Math.ceil(count / cols) * pitch <= height - 2 * PAD) break;
  }
  const cols = Math.max(1, Math.floor(usable / pitch));
  const gap = pitch >= 16 ? 2 : 1;
  return { cols, rows: Math.ceil(count / cols), pitch, tile: pitch - gap, pad: PAD };
};

/** The tile position under a point of the wall's content (scrolled coordinates), or -1. */
export const positionAt = (l: Layout, count: number, x: number, y: number): number => {
  const col = Math.floor((x - l.pad) / l.pitch);
  const row = Math.floor((y - l.pad) / l.pitch);
  if (col < 0 || col >= l.cols || row < 0) return -1;
  const pos = row * l.cols + col;
  return pos < count ? pos : -1;
};

/** Where the tile at `pos` is drawn, in content coordinates. */
export const tileOrigin = (l: Layout, pos: number): { x: number; y: number } => ({
  x: l.pad + (pos % l.cols) * l.pitch,
  y: l.pad + Math.floor(pos / l.cols) * l.pitch,
});

/** The position a key moves focus to, or undefined for keys the wall does not use. */
export const moveFocus = (
  key: string,
  pos: number,
  count: number,
  l: Layout,
  pageRows: number,
): number | undefined => {
  const clamp = (p: number) => Math.max(0, Math.min(count - 1, p));
  switch (key) {
    case 'ArrowLeft':
      return clamp(pos - 1);
    case 'ArrowRight':
      return clamp(pos + 1);
    case 'ArrowUp':
      return pos - l.cols >= 0 ? pos - l.cols : pos;
    case 'ArrowDown':
      return pos + l.cols < count ? pos + l.cols : pos;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageUp':
      return clamp(pos - l.cols * Math.max(1, pageRows));
    case 'PageDown':
      return clamp(pos + l.cols * Math.max(1, pageRows));
    default:
      return undefined;
  }
};
