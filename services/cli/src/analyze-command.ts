import { CaptureFormatError, readCaptureFile } from '@tcpx/edge-capture';
import { CliError, usageError } from './cli-error.js';
import { analyzerOptions, type CommonValues, parseFormat, parseSort } from './options.js';
import { createProgressReporter } from './progress.js';
import { createAnalysisRun, describeCaptureStats } from './run-analysis.js';

/** `tcpx analyze <file|->`: one record per connection of a pcap/pcapng file. */
export async function analyzeCommand(positionals: string[], values: CommonValues): Promise<number> {
  if (positionals.length !== 1) throw usageError('analyze takes exactly one capture file (or - for stdin)');
  const [file] = positionals;
  const format = parseFormat(values.format);
  const sort = parseSort(values.sort);
  // Wireshark never forgets a connection; offline analysis does the same unless asked not to.
  const run = createAnalysisRun({ format, sort, write: writeStdout }, analyzerOptions(values, 0));
  const progress = createProgressReporter(file);
  let stats: Awaited<ReturnType<typeof readCaptureFile>>;
  try {
    stats = await readCaptureFile(file, run.ingest, { onProgress: progress.update });
  } catch (error) {
    if (error instanceof CaptureFormatError) throw new CliError(`${file}: ${error.message}`, 2);
    if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
      throw new CliError(`${file}: cannot read: ${error.message}`, 2);
    }
    throw error;
  } finally {
    progress.done();
  }
  run.finish();
  for (const line of describeCaptureStats(stats)) process.stderr.write(`${line}\n`);
  await drainStdout();
  return 0;
}

/** stdout writes that respect back-pressure enough for large outputs piped to a slow reader. */
export function writeStdout(text: string): void {
  if (text.length > 0) process.stdout.write(text);
}

export function drainStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
    else resolve();
  });
}
