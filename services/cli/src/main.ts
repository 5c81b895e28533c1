#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { analyzeCommand } from './analyze-command.js';
import { captureCommand } from './capture-command.js';
import { CliError } from './cli-error.js';

const USAGE = `usage:
  tcpx analyze <file|-> [--format ndjson|json|table] [--sort <metric>] [--idle-timeout <s>] [--max-flows <n>]
  tcpx capture -i <iface> [--bpf <expr>] [--duration <s>] [--format ndjson|json|table] [--sort <metric>]

One record per TCP connection with Wireshark-exact tcp_metrics (see docs/metrics.md).
Exit status: 0 input read (malformed packets are counted on stderr), 2 not readable as a capture, 1 usage.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'ndjson' },
      sort: { type: 'string' },
      interface: { type: 'string', short: 'i' },
      bpf: { type: 'string' },
      duration: { type: 'string' },
      'idle-timeout': { type: 'string' },
      'max-flows': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command === 'analyze') return analyzeCommand(positionals, values);
  if (command === 'capture') return captureCommand(values);
  throw new CliError(`unknown command "${command}" (tcpx --help shows the usage)`, 1);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`tcpx: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && 'code' in error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`tcpx: ${error.message} (tcpx --help shows the usage)\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `tcpx: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
