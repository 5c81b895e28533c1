// Axis arithmetic for the hand-rolled SVG charts: linear scales, "nice" value ticks, time ticks.
import { fmtClock } from './format.js';

export interface Scale {
  (value: number): number;
  domain: [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const span = d1 - d0;
  const scale = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  scale.domain = [d0, d1];
  return scale;
}

/** About `count` round ticks (1, 2, 5 × 10^k) from 0 or min to a round value at or above max. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  const first = Math.floor(min / step) * step;
  for (let v = first; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** Round instants (epoch ms, UTC) inside [from, to], about `count` of them, and their labels. */
export function timeTicks(from: number, to: number, count = 6): { at: number; label: string }[] {
  if (!(to > from)) return [{ at: from, label: fmtClock(from, true) }];
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) ?? 30 * DAY;
  const label = (at: number) => {
    if (step >= DAY) return new Date(at).toISOString().slice(5, 10);
    return fmtClock(at, step < SECOND);
  };
  const ticks = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push({ at, label: label(at) });
  return ticks;
}

/** A bucket width (seconds) that splits [from, to] into about `buckets` points. */
export function stepFor(from: number, to: number, buckets = 40): number {
  const seconds = Math.max(1, (to - from) / 1000 / buckets);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return steps.find((s) => s >= seconds) ?? 86400;
}
