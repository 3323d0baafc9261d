/** Looks up an element the page's HTML declares, failing loudly if the markup and code disagree. */
export const byId = <T extends HTMLElement = HTMLElement>(
  id: string,
  type: new () => T = HTMLElement as unknown as new () => T,
): T => {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from index.html`);
  return el;
};

type Child = Node | string | number | null | undefined | false;

/** A small element builder: attributes (class, aria-*, data-*) and children, text escaped. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
};

const numberFormat = new Intl.NumberFormat('en-GB');
export const fmt = (n: number): string => numberFormat.format(n);
export const signed = (n: number): string => (n > 0 ? `+${fmt(n)}` : `−${fmt(-n)}`);

/** "14:03:07" in the reader's time zone. */
export const clock = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString('en-GB', { hour12: false });
};
