import { openLiveCapture } from '@tcpx/edge-capture';
import { drainStdout, writeStdout } from './analyze-command.js';
import { CliError, usageError } from './cli-error.js';
import {
  analyzerOptions,
  type CommonValues,
  parseFormat,
  parsePositiveNumber,
  parseSort,
} from './options.js';
import { createAnalysisRun, describeCaptureStats } from './run-analysis.js';

interface CaptureValues extends CommonValues {
  interface?: string;
  bpf?: string;
  duration?: string;
}

/** `tcpx capture -i <iface>`: the same analysis on live packets, until --duration or Ctrl-C. */
export async function captureCommand(values: CaptureValues): Promise<number> {
  if (!values.interface) throw usageError('capture needs -i <interface>');
  const format = parseFormat(values.format);
  const sort = parseSort(values.sort);
  const durationSeconds = parsePositiveNumber('duration', values.duration);
  // Live traffic never ends: forget connections idle for 5 minutes (emitted, never dropped).
  const run = createAnalysisRun({ format, sort, write: writeStdout }, analyzerOptions(values, 300));
  let failure: Error | undefined;
  let session: Awaited<ReturnType<typeof openLiveCapture>>;
  try {
    session = await openLiveCapture({
      iface: values.interface,
      bpf: values.bpf ?? 'tcp',
      onPacket: run.ingest,
      onError: (error) => {
        failure = error;
      },
    });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    const timer = durationSeconds ? setTimeout(stop, durationSeconds * 1000) : undefined;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const stats = await session.drainAndStop();
  run.finish();
  for (const line of describeCaptureStats(stats)) process.stderr.write(`${line}\n`);
  await drainStdout();
  // libpcap's poll handle (npm `pcap`) is only released when one more packet arrives after
  // close(), so on a quiet interface the event loop would never empty: everything is written, exit.
  if (failure) process.stderr.write(`tcpx: capture on ${values.interface} failed: ${failure.message}\n`);
  process.exit(failure ? 2 : 0);
}
