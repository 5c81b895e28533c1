import { dateTime64 } from '@tcpx/store';

/** Epoch µs → ISO 8601 UTC with six fractional digits (a Date only keeps milliseconds). */
export function isoMicros(us: number): string {
  const micros = ((us % 1e6) + 1e6) % 1e6;
  const seconds = (us - micros) / 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** Epoch ms → the text a `{name:DateTime64(6, 'UTC')}` query parameter parses exactly. */
export function dateTimeParam(ms: number): string {
  return dateTime64(Math.round(ms * 1000));
}

/** A FlowRow's 'seconds.micros' time column → epoch µs, exactly. */
export function rowTimeMicros(text: string): number {
  const [seconds, fraction = ''] = text.split('.');
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}
