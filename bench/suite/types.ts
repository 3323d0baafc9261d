import type { ApiClient } from '../lib/api.ts';
import { type Spread, spread } from '../lib/stats.ts';

/**
 * How big a run is. `smoke`: tiny sizes, every scenario on one shared wrangler dev, to prove the
 * harness works (npm test). `quick`: each scenario small, on its own server, in well under 30 s.
 * `full`: the sizes of the figures table.
 */
export type Size = 'smoke' | 'quick' | 'full';

/** A running bench Worker (bench/wrangler.toml under wrangler dev) and an admin key for it. */
export type Target = {
  url: string;
  key: string;
  api: ApiClient;
  /** The local state directory: its filesystem decides what a commit costs. */
  persistTo: string;
  /** wrangler's process id: workerd is one of its descendants. */
  pid: number | undefined;
  /** wrangler's DevTools port, for CPU profiles of the Worker and its objects. */
  inspectorPort: number;
  /**
   * The run's own dev registry: a server started with it (the marketplace simulators) answers
   * the bench Worker's MARKETPLACES binding.
   */
  registry: string;
  logTail: (lines?: number) => string;
};

export type ScenarioContext = {
  size: Size;
  /** Measured runs, when given on the command line; else the scenario's default for the size. */
  runs: number | undefined;
  /** The server to measure: the scenario's own, or in smoke the one every scenario shares. */
  target: Target;
  log: (line: string) => void;
};

/** One line of the figures table: a measured value, min/median/max over the runs. */
export type Figure = {
  figure: string;
  unit: string;
  value: Spread;
  /** Decimals shown. */
  digits?: number;
};

/** A pass/fail assertion: any failed check fails the scenario (and `npm run bench` exits 1). */
export type Check = { name: string; ok: boolean; detail: string };

export type Outcome = {
  /** The sizes and rates this run used, written to the JSON. */
  parameters: Record<string, unknown>;
  figures: Figure[];
  checks: Check[];
  /** Every run in full, for the JSON. */
  data: unknown;
};

/** What a scenario that needs no server (a pure simulation) is given. */
export type OfflineContext = Omit<ScenarioContext, 'target'> & {
  /** `--orders FILE`: an order stream in the columns of data/ to use instead of the real one. */
  orders: string | undefined;
};

export type Scenario =
  | {
      name: string;
      description: string;
      offline?: false;
      /** Its server counts calls and rows (bench/worker/counting.ts): the counts scenario. */
      counting?: boolean;
      run: (ctx: ScenarioContext) => Promise<Outcome>;
    }
  | {
      name: string;
      description: string;
      /** No server is started for it. */
      offline: true;
      run: (ctx: OfflineContext) => Promise<Outcome>;
    };

/** A figure from one value per run. */
export const figure = (
  name: string,
  unit: string,
  values: readonly number[],
  digits = 0,
): Figure => ({ figure: name, unit, value: spread(values), digits });

/** A figure already summarised as a spread. */
export const spreadFigure = (name: string, unit: string, value: Spread, digits = 0): Figure => ({
  figure: name,
  unit,
  value,
  digits,
});

export const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });
