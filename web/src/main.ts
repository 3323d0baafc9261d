import { createStockmeshClient, StockmeshError } from '../../client';
import { catalogApi } from './api';
import { forget, isKeyShaped, remember, storedKey } from './auth';
import { byId, fmt } from './dom';
import { followStream, type LinkState } from './live/connection';
import { followRecommendations } from './live/recommendation-feed';
import { pollSignals } from './live/signal-poll';
import { exposeForTests } from './live/test-hook';
import { ALL, type Scope } from './model/scope';
import { formatCover, LOW_DAYS, OVER_DAYS, STATUS_LABEL, STATUSES } from './model/status';
import { type Entry, WallStore } from './model/store';
import { ChannelsPanel } from './panels/channels';
import { DetailPanel } from './panels/detail';
import { FeedPanel } from './panels/feed';
import { RecommendationsPanel } from './panels/recommendations';
import { Heatmap } from './wall/heatmap';

const REGRADE_MS = 2000;
const COUNTERS_MS = 500;
const RATE_WINDOW_S = 5;

const link = byId('link');
const setLink = (state: LinkState | 'signed-out', text: string) => {
  link.dataset.state = state;
  link.textContent = text;
};

const showSignIn = (message = '') => {
  byId('app').hidden = true;
  byId('sign-out').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message;
  setLink('signed-out', 'Signed out');
  byId('key', HTMLInputElement).focus();
};

byId('sign-in-form', HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  const key = byId('key', HTMLInputElement).value.trim();
  if (!isKeyShaped(key)) {
    byId('sign-in-error').textContent = 'That does not look like an API key.';
    return;
  }
  remember(key);
  location.reload();
});
byId('sign-out').addEventListener('click', () => {
  forget();
  location.reload();
});

/** "42 / s" over the last few seconds of live changes. */
const rateMeter = () => {
  const buckets = new Array<number>(RATE_WINDOW_S).fill(0);
  let second = Math.floor(performance.now() / 1000);
  const roll = () => {
    const now = Math.floor(performance.now() / 1000);
    for (; second < now; second++) buckets[(second + 1) % RATE_WINDOW_S] = 0;
  };
  return {
    hit: () => {
      roll();
      buckets[second % RATE_WINDOW_S] = (buckets[second % RATE_WINDOW_S] ?? 0) + 1;
    },
    perSecond: () => {
      roll();
      // The current second is partial: average the full ones.
      const full = buckets.reduce((s, n, i) => (i === second % RATE_WINDOW_S ? s : s + n), 0);
      return full / (RATE_WINDOW_S - 1);
    },
  };
};

const describe = (e: Entry): string =>
  `${e.code} · ${e.title} · ${fmt(e.sellable)} ${e.sellable === 1 ? 'unit' : 'units'} · ${STATUS_LABEL[e.status]} · cover ${formatCover(e.sellable, e.perDay)}`;

const start = async (key: string) => {
  const origin = location.origin;
  const client = createStockmeshClient({ baseUrl: origin, apiKey: key });
  const api = catalogApi(origin, key);
  setLink('loading', 'Signing in…');
  try {
    await client.streamInfo();
  } catch (error) {
    if (error instanceof StockmeshError && (error.status === 401 || error.status === 403)) {
      forget();
      showSignIn(`The key was refused: ${error.message}`);
      return;
    }
    throw error;
  }
  byId('sign-out').hidden = false;
  setLink('loading', 'Loading the catalog…');
  const [skus, locationList, channelList] = await Promise.all([
    api.skus((n) => setLink('loading', `Loading the catalog: ${fmt(n)} SKUs…`)),
    api.locations(),
    api.channels(),
  ]);
  let channels = channelList;
  const locations = new Map(locationList.map((l) => [l.code, l]));

  const store = new WallStore(skus);
  const rate = rateMeter();
  const wall = new Heatmap(
    store,
    {
      scroller: byId('wall-scroller'),
      sizer: byId('wall-sizer'),
      canvas: byId('wall-canvas', HTMLCanvasElement),
      focusRing: byId('wall-ring'),
      tooltip: byId('wall-tip'),
    },
    {
      open: (entry) => openSku(entry.code),
      focused: (entry) => {
        byId('wall-focus').textContent = entry === undefined ? '' : describe(entry);
      },
      describe,
    },
  );
  const canvas = byId('wall-canvas', HTMLCanvasElement);
  const detail = new DetailPanel(byId('detail'), {
    client,
    skuSync: (channel, sku) => api.skuSync(channel, sku),
    channels: () => channels,
    locations: () => locations,
    closed: () => canvas.focus(),
  });
  const openSku = (code: string) => {
    const entry = store.get(code);
    if (entry === undefined) return;
    detail.open(entry);
    recommendations.showSku(byId('detail'), code);
  };
  const recommendations = new RecommendationsPanel(byId('recommendations'), origin, key, openSku);
  const feed = new FeedPanel(
    byId('feed', HTMLOListElement),
    byId('feed-pause', HTMLInputElement),
    openSku,
  );
  const lagPanel = new ChannelsPanel(byId('channels'), client, api, () => channels);

  store.listen({
    changed: (entry, flash) => {
      wall.changed(entry, flash);
      if (detail.openCode === entry.code) detail.changed(entry);
    },
    reordered: () => {
      wall.reordered();
      showing();
      counters();
    },
    movement: (m) => feed.add(m),
  });

  // Filters
  const locationSelect = byId('f-location', HTMLSelectElement);
  const channelSelect = byId('f-channel', HTMLSelectElement);
  const statusSelect = byId('f-status', HTMLSelectElement);
  const search = byId('search', HTMLInputElement);
  locationSelect.append(...locationList.map((l) => new Option(`${l.code} · ${l.name}`, l.code)));
  channelSelect.append(...channelList.map((c) => new Option(`${c.code} · ${c.name}`, c.code)));
  const scope = (): Scope => {
    const channel = channels.find((c) => c.code === channelSelect.value);
    if (channel !== undefined) return { kind: 'channel', channel };
    if (locationSelect.value !== '') return { kind: 'location', location: locationSelect.value };
    return ALL;
  };
  // One scope at a time: a location or a channel (which is a set of locations with rules).
  locationSelect.addEventListener('change', () => {
    if (locationSelect.value !== '') channelSelect.value = '';
    store.setScope(scope());
  });
  channelSelect.addEventListener('change', () => {
    if (channelSelect.value !== '') locationSelect.value = '';
    store.setScope(scope());
  });
  statusSelect.addEventListener('change', () => {
    const value = statusSelect.value;
    const status = STATUSES.find((s) => s === value);
    store.setFilters({ status: status ?? 'all' });
  });
  let searchTimer = 0;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => store.setFilters({ search: search.value.trim() }), 120);
  });
  byId('controls', HTMLFormElement).addEventListener('submit', (e) => e.preventDefault());
  for (const el of document.querySelectorAll('.low-days')) el.textContent = String(LOW_DAYS);
  for (const el of document.querySelectorAll('.over-days')) el.textContent = String(OVER_DAYS);

  const showing = () => {
    const shown = store.visible.length;
    const of = store.counters.skus;
    byId('showing').textContent =
      shown === of ? `${fmt(shown)} SKUs` : `${fmt(shown)} of ${fmt(of)} SKUs`;
  };
  const counters = () => {
    const c = store.counters;
    byId('c-out').textContent = fmt(c.out);
    byId('c-low').textContent = fmt(c.low);
    byId('c-onhand').textContent = fmt(c.onHand);
    byId('c-held').textContent = fmt(c.reserved);
    byId('c-rate').textContent = fmt(Math.round(rate.perSecond()));
  };

  exposeForTests({ store, wall, link: () => link.dataset.state ?? '' });

  followStream(client, {
    row: (event, live) => {
      store.apply(event, live);
      if (live) rate.hit();
    },
    progress: (n) => {
      if (n % 500 === 0) setLink('loading', `Loading stock: ${fmt(n)} SKUs…`);
    },
    ready: () => {
      byId('sign-in').hidden = true;
      byId('app').hidden = false;
      store.setScope(scope());
      showing();
      counters();
      setLink('live', 'Live');
      setInterval(counters, COUNTERS_MS);
      setInterval(() => store.regradeAll(), REGRADE_MS);
      lagPanel.start();
      // Stock signals (low, out, back in stock…) join the movements in the live feed.
      pollSignals(api.signals, (e) => feed.addSignal(e));
      recommendations.start();
      followRecommendations(client, origin, {
        change: (m) => recommendations.change(m),
        resynced: () => recommendations.refresh(),
      });
      // Channel rules change rarely; the listed quantities follow them within a minute.
      setInterval(() => {
        api.channels().then(
          (list) => {
            channels = list;
          },
          () => {},
        );
      }, 60_000);
    },
    state: (state, detailText) => {
      if (state === 'live') setLink('live', 'Live');
      else if (state === 'reconnecting')
        setLink('reconnecting', 'Reconnecting… the wall will catch up');
      else if (state === 'refused') setLink('refused', `Stream refused: ${detailText}`);
    },
  });
};

const key = storedKey();
if (key === undefined) showSignIn();
else
  start(key).catch((error: unknown) => {
    setLink(
      'refused',
      `Could not load the wall: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
