/** A 32-bit FNV-1a hash of a string: tells two views of a row apart without keeping them. */
export const fingerprint = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};
