// One of ProcessorThreads' threads: a FlowProcessor with its own store connection, reporting to
// the parent through messages (FromProcessorThread) and stopping when told to.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '@tcpx/store';
import { FlowProcessor } from './flow-processor.js';
import type { FromProcessorThread, ProcessorThreadOptions } from './processor-threads.js';

const port = parentPort!;
const post = (message: FromProcessorThread) => port.postMessage(message);
const { storeLocation, storeConfig, ...options } = workerData as ProcessorThreadOptions;
const store = openStore(storeLocation, storeConfig);
const processor = new FlowProcessor({ ...options, store, log: (event) => post({ type: 'log', event }) });

/** Counters go to the parent when they changed, checked every STATS_MS (they are read as they grow). */
const STATS_MS = 10;
let lastStats = '';
const postStats = (type: 'stats' | 'stopped') => {
  const stats = processor.stats;
  const outputStats = processor.outputStats;
  const text = JSON.stringify([stats, outputStats]);
  if (type === 'stats' && text === lastStats) return;
  lastStats = text;
  post({ type, stats, outputStats });
};

let timer: NodeJS.Timeout | undefined;
let started = false;
port.on('message', async (message: { type: 'stop'; graceMs: number }) => {
  if (message.type !== 'stop') return;
  clearInterval(timer);
  try {
    await processor.stop(message.graceMs);
  } finally {
    await store.close().catch(() => {});
    if (started) postStats('stopped');
    port.close(); // nothing else keeps the thread: it exits
  }
});

try {
  await processor.start();
  started = true;
  postStats('stats'); // before 'started': the parent's counters exist once start() resolves
  post({ type: 'started' });
  timer = setInterval(() => postStats('stats'), STATS_MS);
} catch (error) {
  await store.close().catch(() => {});
  post({ type: 'failed', error: (error as Error).message });
  port.close();
}
