/** A positive number from a command-line flag, or `fallback` when the flag is absent. */
export const positive = (v: string | undefined, fallback: number): number => {
  const n = v === undefined ? fallback : Number(v);
  if (!(n > 0)) throw new Error(`expected a positive number, got ${v}`);
  return n;
};
