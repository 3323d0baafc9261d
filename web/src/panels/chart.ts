import { fmt } from '../dom';

export type Point = { t: number; value: number };

const PAD = { left: 44, right: 10, top: 10, bottom: 22 };

/**
 * A step chart of available units over time on a canvas. Its text alternative (the canvas's
 * aria-label) states the range and the latest value.
 */
export const drawStepChart = (canvas: HTMLCanvasElement, points: readonly Point[]): void => {
  const width = canvas.clientWidth || 400;
  const height = canvas.clientHeight || 160;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#9aa4b2';
  if (points.length === 0) {
    ctx.fillText('No events yet', PAD.left, height / 2);
    canvas.setAttribute('aria-label', 'Available over time: no events yet');
    return;
  }
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(Date.now(), points.at(-1)?.t ?? t0 + 1);
  const max = Math.max(1, ...points.map((p) => p.value));
  const min = Math.min(0, ...points.map((p) => p.value));
  const x = (t: number) =>
    PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - PAD.left - PAD.right);
  const y = (v: number) =>
    PAD.top + (1 - (v - min) / Math.max(1, max - min)) * (height - PAD.top - PAD.bottom);

  ctx.strokeStyle = '#2a3140';
  ctx.lineWidth = 1;
  for (const v of [min, (min + max) / 2, max]) {
    ctx.beginPath();
    ctx.moveTo(PAD.left, Math.round(y(v)) + 0.5);
    ctx.lineTo(width - PAD.right, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.fillText(fmt(Math.round(v)), 4, y(v) + 4);
  }
  const time = (t: number) => new Date(t).toLocaleTimeString('en-GB', { hour12: false });
  ctx.fillText(time(t0), PAD.left, height - 6);
  const end = time(t1);
  ctx.fillText(end, width - PAD.right - ctx.measureText(end).width, height - 6);

  ctx.strokeStyle = '#4cc38a';
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach((p, i) => {
    if (i === 0) ctx.moveTo(x(p.t), y(p.value));
    else {
      ctx.lineTo(x(p.t), y(points[i - 1]?.value ?? p.value));
      ctx.lineTo(x(p.t), y(p.value));
    }
  });
  const last = points.at(-1);
  if (last !== undefined) ctx.lineTo(x(t1), y(last.value));
  ctx.stroke();
  canvas.setAttribute(
    'aria-label',
    `Available over time: from ${fmt(points[0]?.value ?? 0)} at ${time(t0)} to ${fmt(last?.value ?? 0)} now; lowest ${fmt(Math.min(...points.map((p) => p.value)))}, highest ${fmt(max)}`,
  );
};
