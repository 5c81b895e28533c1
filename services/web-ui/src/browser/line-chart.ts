// A hand-rolled SVG line chart over time: one or more series, time x axis, value y axis from 0,
// gaps where a value is null, dots where points are few, a hover cursor listing every series.
import { h, replace, s } from './dom.js';
import { fmtDateTime } from './format.js';
import { linearScale, niceTicks, timeTicks } from './scale.js';

export interface Point {
  /** Epoch ms. */
  x: number;
  y: number | null;
  /** Drawn as a dot where points are few (default); false for points that only shape the line. */
  dot?: boolean;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface LineChartOptions {
  series: Series[];
  formatY(value: number): string;
  height?: number;
  /** Default: the points' own span. */
  xDomain?: [number, number];
  /** A vertical marker (e.g. the time-travel instant). */
  marker?: number;
  /** Called with the instant under the pointer when the chart is clicked. */
  onPick?(x: number): void;
  /** Small multiples: no legend, fewer ticks. */
  compact?: boolean;
  label?: string;
}

const MARGIN = { top: 10, right: 14, bottom: 22, left: 58 };
/** Colour classes series-0 … series-9 (app.css), reused in legends. */
export const seriesClass = (i: number): string => `series-${i % 10}`;

function segments(points: Point[], x: (v: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function draw(root: HTMLElement, options: LineChartOptions, width: number): void {
  const height = options.height ?? (options.compact ? 110 : 220);
  const all = options.series.flatMap((se) => se.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y).filter((v): v is number => v !== null);
  const [x0, x1] = options.xDomain ?? [Math.min(...xs), Math.max(...xs)];
  const yTicks = niceTicks(0, Math.max(...ys, 0) || 1, options.compact ? 2 : 4);
  const x = linearScale([x0, x1], [MARGIN.left, width - MARGIN.right]);
  const y = linearScale([0, yTicks[yTicks.length - 1]], [height - MARGIN.bottom, MARGIN.top]);
  const plotBottom = height - MARGIN.bottom;

  const grid = yTicks.map((t) =>
    s(
      'g',
      { class: 'tick' },
      s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t), class: 'grid' }),
      s('text', { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, options.formatY(t)),
    ),
  );
  const xAxis = timeTicks(x0, x1, Math.max(2, Math.floor(width / 110))).map((t) =>
    s(
      'g',
      { class: 'tick' },
      s('line', { x1: x(t.at), x2: x(t.at), y1: plotBottom, y2: plotBottom + 4, class: 'axis' }),
      s('text', { x: x(t.at), y: plotBottom + 16, 'text-anchor': 'middle' }, t.label),
    ),
  );
  const lines = options.series.map((se, i) => {
    const sparse = se.points.length <= 40;
    return s(
      'g',
      { class: `series ${seriesClass(i)}`, 'data-series': se.name },
      s('path', { d: segments(se.points, x, y), class: 'line' }),
      sparse &&
        se.points
          .filter((p) => p.y !== null && p.dot !== false)
          .map((p) =>
            s('circle', { cx: x(p.x), cy: y(p.y as number), r: options.compact ? 2 : 2.6, class: 'dot' }),
          ),
    );
  });
  const marker =
    options.marker !== undefined && options.marker >= x0 && options.marker <= x1
      ? s('line', {
          x1: x(options.marker),
          x2: x(options.marker),
          y1: MARGIN.top,
          y2: plotBottom,
          class: 'marker',
        })
      : null;
  const cursor = s('line', { y1: MARGIN.top, y2: plotBottom, class: 'cursor', visibility: 'hidden' });
  const tip = h('div', { class: 'chart-tip', hidden: true });
  const svg = s(
    'svg',
    { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.label ?? 'chart' },
    s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: plotBottom, y2: plotBottom, class: 'axis' }),
    grid,
    xAxis,
    marker,
    lines,
    cursor,
  );

  // Hover: the nearest point in time, every series' value there.
  const times = [...new Set(xs)].sort((a, b) => a - b);
  const instantAt = (event: MouseEvent) => {
    const px = event.clientX - svg.getBoundingClientRect().left;
    return x0 + ((px - MARGIN.left) / (width - MARGIN.left - MARGIN.right)) * (x1 - x0);
  };
  if (options.onPick) {
    const pick = options.onPick;
    svg.classList.add('pickable');
    svg.addEventListener('click', (event) => pick(Math.min(Math.max(instantAt(event), x0), x1)));
  }
  svg.addEventListener('pointermove', (event) => {
    const t = instantAt(event);
    const nearest = times.reduce((best, v) => (Math.abs(v - t) < Math.abs(best - t) ? v : best), times[0]);
    if (nearest === undefined) return;
    cursor.setAttribute('x1', String(x(nearest)));
    cursor.setAttribute('x2', String(x(nearest)));
    cursor.setAttribute('visibility', 'visible');
    replace(
      tip,
      h('div', { class: 'chart-tip-time' }, fmtDateTime(nearest)),
      options.series.map((se, i) => {
        const point = se.points.find((p) => p.x === nearest);
        return h(
          'div',
          {},
          h('span', { class: `swatch ${seriesClass(i)}` }),
          `${se.name}: `,
          h('b', {}, point?.y === null || point === undefined ? '—' : options.formatY(point.y)),
        );
      }),
    );
    tip.hidden = false;
    const left = x(nearest) + 12;
    tip.style.left = `${left + 180 > width ? left - 200 : left}px`;
    tip.style.top = `${MARGIN.top}px`;
  });
  svg.addEventListener('pointerleave', () => {
    cursor.setAttribute('visibility', 'hidden');
    tip.hidden = true;
  });

  const legend =
    !options.compact && options.series.length > 1
      ? h(
          'div',
          { class: 'legend' },
          options.series.map((se, i) =>
            h('span', { class: 'legend-item' }, h('span', { class: `swatch ${seriesClass(i)}` }), se.name),
          ),
        )
      : null;
  replace(root, svg, tip, legend);
}

/** A chart element that lays itself out to its container's width (and again when that changes). */
export function lineChart(options: LineChartOptions): HTMLElement {
  const root = h('div', { class: `chart${options.compact ? ' compact' : ''}` });
  const hasData = options.series.some((se) => se.points.some((p) => p.y !== null));
  if (!hasData) {
    root.append(h('div', { class: 'notice notice-empty' }, 'no values in this range'));
    return root;
  }
  let width = 0;
  new ResizeObserver(() => {
    const next = Math.floor(root.clientWidth);
    if (next > 0 && next !== width) {
      width = next;
      draw(root, options, width);
    }
  }).observe(root);
  return root;
}
