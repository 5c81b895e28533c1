import { setTimeout as sleep } from 'node:timers/promises';
import { errorLine } from './publisher-stats.js';

/** Calls `attempt` until it succeeds, with backoff; past `deadline` throws "<what> unreachable …: <reason>". */
export async function retryUntil<T>(
  what: string,
  since: { started: number; deadline: number },
  attempt: () => Promise<T>,
): Promise<T> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await attempt();
    } catch (error) {
      const left = since.deadline - Date.now();
      if (left <= 0) {
        const seconds = Math.round((Date.now() - since.started) / 1000);
        throw new Error(`${what} unreachable (gave up after ${seconds} s): ${errorLine(error)}`);
      }
      await sleep(Math.min(delay, left));
    }
  }
}

/** Whether `promise` settles within `ms` (a rejection counts as settling). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  if (!Number.isFinite(ms)) return settled;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
