import { type Int, normInt } from './values.js';

// Time literals of KFL (kfl.md §4.11, §4.13), all resolved at compile time to epoch microseconds
// (timestamps) or microseconds (durations). Errors are plain messages; the checker adds the offset.

const US_PER_MS = 1000n;
const I64_MAX = (1n << 63n) - 1n;

/** µs per unit of the v1 helpers seconds() … years(): a month is 30 days, a year 365. */
export const HELPER_UNIT_US: Readonly<Record<string, number>> = {
  seconds: 1e6,
  minutes: 60e6,
  hours: 3600e6,
  days: 86400e6,
  weeks: 7 * 86400e6,
  months: 30 * 86400e6,
  years: 365 * 86400e6,
};

function daysInMonth(year: number, month: number): number {
  // The Gregorian calendar repeats every 400 years; 2000 + keeps Date.UTC away from years 0–99.
  return new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
}

/** Epoch µs of a UTC calendar time; Date.UTC would map years 0–99 to 1900–1999. */
function utcMicros(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  fraction: string,
): bigint {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return BigInt(date.getTime()) * US_PER_MS + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
}

function checkDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

/** RFC 3339, e.g. "2026-03-14T22:00:00Z" or "2026-03-14T23:00:00.5+01:00"; digits past µs are cut. */
export function parseTimestamp(text: string): Int {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  const [y, mo, d, h, mi, s] = m ? m.slice(1, 7).map(Number) : [];
  if (!m || !checkDate(y, mo, d, h, mi, s) || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59)
    throw new Error(
      `timestamp() needs RFC 3339 text such as "2026-03-14T22:00:00Z", got ${JSON.stringify(text)}`,
    );
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  return normInt(utcMicros(y, mo, d, h, mi, s, m[7] ?? '') - BigInt(offsetMinutes) * 60_000_000n);
}

/** v1's US layout "1/2/2006, 3:04:05 PM" with optional fraction ("…, 6:29:02.593 PM"), read as UTC. */
export function parseUsDateTime(text: string): Int {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([AaPp][Mm])$/.exec(
    text,
  );
  const [mo, d, y, h12, mi, s] = m ? m.slice(1, 7).map(Number) : [];
  const h = (h12 % 12) + (m?.[8].toUpperCase() === 'PM' ? 12 : 0);
  if (!m || h12 < 1 || h12 > 12 || !checkDate(y, mo, d, h, mi, s))
    throw new Error(
      `datetime() needs text like "10/19/2021, 6:29:02.593 PM" (month/day/year, 12-hour clock, UTC), got ${JSON.stringify(text)}`,
    );
  return normInt(utcMicros(y, mo, d, h, mi, s, m[7] ?? ''));
}

const DURATION_UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go duration text ("5m", "1h30m", "250ms", "-1.5h") → µs, truncated toward zero. */
export function parseDuration(text: string): Int {
  const bad = () =>
    new Error(
      `duration() needs Go duration text such as "15m", "1h30m" or "250ms", got ${JSON.stringify(text)}`,
    );
  const m = /^([-+]?)(.*)$/s.exec(text);
  const body = m?.[2] ?? '';
  if (body === '0') return 0;
  const part = /([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/y;
  let ns = 0n;
  let i = 0;
  while (i < body.length) {
    part.lastIndex = i;
    const p = part.exec(body);
    if (!p || (p[1] === '' && (p[2] ?? '') === '')) throw bad();
    const unit = DURATION_UNIT_NS[p[3]];
    const frac = p[2] ?? '';
    ns += BigInt(p[1] || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    if (ns > I64_MAX) throw new Error(`duration ${JSON.stringify(text)} is out of range`);
    i = part.lastIndex;
  }
  if (body === '') throw bad();
  const us = ns / 1000n;
  return normInt(m?.[1] === '-' ? -us : us);
}
