// How numbers and times read in the UI. Metric units follow /api/glossary: 'count', 'ratio' (0–1),
// 'µs', 'bytes', 'bitmask', 'shift'. Times are shown in UTC, as the API gives them.

export const DASH = '—';

/** Fixed digits without trailing zeros: 1.50 → 1.5, 2.00 → 2 (integers keep theirs: 400 stays). */
const trim = (n: number, digits: number) => {
  const text = n.toFixed(digits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
};

/** Microseconds as µs, ms or s with about three significant digits. */
export function fmtUs(us: number | null | undefined): string {
  if (us === null || us === undefined) return DASH;
  const abs = Math.abs(us);
  if (abs < 1000) return `${trim(us, 0)} µs`;
  if (abs < 1e6) return `${trim(us / 1000, abs < 1e4 ? 2 : 1)} ms`;
  if (abs < 60e6) return `${trim(us / 1e6, abs < 1e7 ? 2 : 1)} s`;
  return `${trim(us / 60e6, 1)} min`;
}

/** A 0–1 ratio as a percentage. */
export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined) return DASH;
  if (r === 0) return '0 %';
  const pct = r * 100;
  return `${pct < 0.1 ? pct.toPrecision(2) : trim(pct, pct < 10 ? 2 : 1)} %`;
}

/** Bytes in decimal units, as tshark shows them. */
export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return DASH;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = b;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : trim(value, value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return DASH;
  return Number.isInteger(n) ? n.toLocaleString('en-US') : trim(n, 2);
}

/** A metric value in its glossary unit. */
export function fmtMetric(value: number | null | undefined, unit: string | undefined): string {
  switch (unit) {
    case 'µs':
      return fmtUs(value);
    case 'ratio':
      return fmtRatio(value);
    case 'bytes':
      return fmtBytes(value);
    default:
      return fmtCount(value);
  }
}

/** Epoch ms from the API's ISO 8601 text, keeping the microseconds as a fraction. */
export function parseIso(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso);
  const ms = Date.parse(iso.replace(/\.\d+/, ''));
  return fraction ? ms + Number(`0.${fraction[1]}`) * 1000 : ms;
}

const pad = (n: number, width = 2) => String(Math.floor(n)).padStart(width, '0');

/** HH:MM:SS.mmm (UTC). */
export function fmtClock(ms: number, withMs = true): string {
  const d = new Date(ms);
  const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${clock}.${pad(d.getUTCMilliseconds(), 3)}` : clock;
}

/** YYYY-MM-DD HH:MM:SS.mmm UTC. */
export function fmtDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${fmtClock(ms)}`;
}

/** An endpoint as people read it: `[v6]:port` or `v4:port`. */
export function fmtAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Connection-completeness bits, as Wireshark names them. */
export const COMPLETENESS_BITS: readonly [number, string][] = [
  [1, 'SYN'],
  [2, 'SYN-ACK'],
  [4, 'ACK'],
  [8, 'DATA'],
  [16, 'FIN'],
  [32, 'RST'],
];
