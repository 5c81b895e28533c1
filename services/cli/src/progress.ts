import { statSync } from 'node:fs';

const LARGE_INPUT_BYTES = 64 << 20;

/** Progress on stderr for large inputs (at most once a second), so people know it is working. */
export function createProgressReporter(file: string) {
  let total: number | undefined;
  try {
    total = file === '-' ? undefined : statSync(file).size;
  } catch {
    total = undefined;
  }
  const enabled = total !== undefined && total >= LARGE_INPUT_BYTES;
  const started = Date.now();
  let lastPrinted = started;
  let printed = false;
  return {
    update(bytesRead: number) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastPrinted < 1000) return;
      lastPrinted = now;
      printed = true;
      const pct = total ? ((bytesRead / total) * 100).toFixed(0) : '?';
      const rate = (bytesRead / 1e6 / ((now - started) / 1000)).toFixed(0);
      process.stderr.write(`\rtcpx: ${pct}% of ${file} (${rate} MB/s)   `);
    },
    done() {
      if (printed) process.stderr.write('\n');
    },
  };
}
