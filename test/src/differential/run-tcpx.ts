import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TcpFlowRecord } from '@tcpx/schemas';

/** The CLI as users run it (the built `tcpx` bin), so the differential tests cover it end to end. */
export const TCPX_BIN = fileURLToPath(new URL('../../../services/cli/dist/bundle/main.js', import.meta.url));

export interface TcpxRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTcpx(args: string[]): Promise<TcpxRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TCPX_BIN, ...args], { maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** `tcpx analyze FILE [FLAGS]` as parsed NDJSON records; throws with stderr when it did not exit 0. */
export async function analyzeWithTcpx(file: string, flags: string[] = []): Promise<TcpFlowRecord[]> {
  const run = await runTcpx(['analyze', file, ...flags]);
  if (run.code !== 0) throw new Error(`tcpx analyze ${file} exited ${run.code}: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as TcpFlowRecord);
}
