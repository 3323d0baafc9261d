// The viewer key: from the link `npm start` prints (`/#key=…`, read once and removed from the
// address bar), else from this browser's storage, else typed into the sign-in form. The key is
// never part of the served files.

const STORAGE = 'stockmesh.key';
const KEY = /^[\x21-\x7e]{8,200}$/;

/** The key of a `#key=…` fragment, which is then removed from the address and history. */
const fromFragment = (): string | undefined => {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('key');
  if (key === null) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return KEY.test(key) ? key : undefined;
};

export const storedKey = (): string | undefined => {
  const key = fromFragment();
  if (key !== undefined) {
    remember(key);
    return key;
  }
  try {
    return localStorage.getItem(STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
};

export const remember = (key: string): void => {
  try {
    localStorage.setItem(STORAGE, key);
  } catch {
    // Private windows may refuse storage: the key then lasts this page only.
  }
};

export const forget = (): void => {
  try {
    localStorage.removeItem(STORAGE);
  } catch {
    // nothing stored
  }
};

export const isKeyShaped = (key: string): boolean => KEY.test(key);
