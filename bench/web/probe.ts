export {};

// Injected into the page by the web benchmark (bench/web.ts): records every animation frame and
// every long task between start() and stop(). Compiled with esbuild when the benchmark runs.

type ProbeResult = {
  seconds: number;
  frames: number;
  /** Gaps between consecutive frames, in ms. */
  frameGaps: number[];
  longTasks: number;
  longTaskMs: number;
};

declare global {
  interface Window {
    benchProbe?: { start: () => void; stop: () => ProbeResult };
  }
}

let recording = false;
let started = 0;
let last = 0;
const gaps: number[] = [];
let longTasks = 0;
let longTaskMs = 0;

const onFrame = (t: number) => {
  if (!recording) return;
  if (last > 0) gaps.push(t - last);
  last = t;
  requestAnimationFrame(onFrame);
};

new PerformanceObserver((list) => {
  if (!recording) return;
  for (const entry of list.getEntries()) {
    longTasks++;
    longTaskMs += entry.duration;
  }
}).observe({ type: 'longtask' });

window.benchProbe = {
  start: () => {
    gaps.length = 0;
    longTasks = 0;
    longTaskMs = 0;
    last = 0;
    started = performance.now();
    recording = true;
    requestAnimationFrame(onFrame);
  },
  stop: () => {
    recording = false;
    return {
      seconds: (performance.now() - started) / 1000,
      frames: gaps.length + 1,
      frameGaps: [...gaps],
      longTasks,
      longTaskMs,
    };
  },
};
