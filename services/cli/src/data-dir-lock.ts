import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

/**
 * Claims a data folder for this process with a pid file, so a second `tcpx up` on it gets a clear
 * message rather than chdb's native lock error (the embedded ClickHouse binds a directory to one
 * process). A pid file whose process is gone is stale and taken over.
 */
export function lockDataDir(dir: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tcpx-up.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => releaseIfOurs(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(file);
    if (holder !== undefined && holder !== process.pid && isAlive(holder))
      throw new CliError(
        `data directory ${dir} is in use by process ${holder} (another tcpx up): the embedded ClickHouse ` +
          'allows one process per data directory; stop that one, or give another --data',
        2,
      );
    rmSync(file, { force: true });
  }
  throw new CliError(`cannot lock data directory ${dir}: ${file} keeps reappearing`, 2);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // removed meanwhile: try again
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function releaseIfOurs(file: string): void {
  if (readPid(file) === process.pid) rmSync(file, { force: true });
}
