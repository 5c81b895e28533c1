#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

const USAGE = `usage:
  tcpx up [-r <file|-> [--speed fast|<factor>] | -i <iface> [--bpf <expr>] | --no-input] [--data <dir>]
            [--listen <host:port>] [--node <name>] [--api-key <k> ...]
  tcpx analyze <file|-> [--format ndjson|json|table] [--sort <metric>] [--idle-timeout <s>] [--max-flows <n>]
  tcpx capture -i <iface> [--bpf <expr>] [--duration <s>] [--format ndjson|json|table] [--sort <metric>]
  tcpx edge (-r <file|-> [--speed fast|<factor>] | -i <iface> [--bpf <expr>]) --brokers <host:port,...>
            --registry <url> [--node <name>] [--topic <t>] [--compression snappy|gzip|none]
            [--flush-ms <n>] [--max-buffer <packets>] [--partitions <n>] [--connect-timeout <s>]
            [--control-topic <t>|none]
  tcpx processor --brokers <host:port,...> --registry <url> --store chdb:<dir>|http://host:port[/db]
            [--group <g>] [--topic <t>] [--flows-topic <t>] [--interim-interval <s>] [--commit-interval <s>]
            [--idle-timeout <s>] [--idle-advance <s>] [--retention-days <d>] [--partitions <n>]
            [--threads <n>]
  tcpx api --store chdb:<dir>|http://host:port[/db] [--listen <host:port>] [--api-key <k> ...]
            [--api-keys-file <file>] [--no-auth] [--rate-limit <per minute>] [--query-timeout <s>]
            [--brokers <host:port,...> [--control-topic <t>]]
  tcpx mcp --store chdb:<dir>|http://host:port[/db] [--query-timeout <s>]

up runs everything in one process, no servers: a replay (default samples/demo.pcap) or live capture →
the analysis engine → embedded ClickHouse in --data (default .cache/tcpx-data, or $TCPX_DATA) → the
query API on --listen (default 127.0.0.1:8899; another address needs --api-key); Ctrl-C stores all and exits.
One record per TCP connection with Wireshark-exact tcp_metrics (see docs/metrics.md).
edge publishes packet summaries to Kafka instead (--brokers/--registry default to $TCPX_KAFKA_BROKERS
and $TCPX_SCHEMA_REGISTRY_URL); it prints its statistics as one JSON line on stderr.
processor is a flow-processor group member: Kafka → flow tables → ClickHouse (--store, or $TCPX_STORE),
interim records for open connections, final ones at close; JSON log lines on stderr. --threads n runs
n group members in the process, one per thread (default 1; needs an http:// store).
mcp serves the same tools as the API's /mcp (flows by KFL, RTT percentiles, diagnosis, time travel,
glossary) to an AI assistant over stdio; logs on stderr.
api serves the store read-only over HTTP (REST, live SSE, MCP; OpenAPI docs at /docs) on --listen
(default 127.0.0.1:8899); it needs API keys (--api-key, --api-keys-file, or $TCPX_API_KEYS, comma
separated) unless --no-auth; --rate-limit per client per minute (default 600, 0 = off).
Exit status: 0 input read (malformed packets are counted on stderr), 2 not readable as a capture or
Kafka/registry unreachable, 1 usage.`;

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
      read: { type: 'string', short: 'r' },
      speed: { type: 'string' },
      brokers: { type: 'string' },
      registry: { type: 'string' },
      node: { type: 'string' },
      topic: { type: 'string' },
      compression: { type: 'string' },
      'flush-ms': { type: 'string' },
      'max-buffer': { type: 'string' },
      partitions: { type: 'string' },
      'connect-timeout': { type: 'string' },
      'control-topic': { type: 'string' },
      store: { type: 'string' },
      group: { type: 'string' },
      'flows-topic': { type: 'string' },
      'interim-interval': { type: 'string' },
      'commit-interval': { type: 'string' },
      'idle-advance': { type: 'string' },
      'retention-days': { type: 'string' },
      threads: { type: 'string' },
      listen: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'api-keys-file': { type: 'string' },
      'no-auth': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      'query-timeout': { type: 'string' },
      data: { type: 'string' },
      'no-input': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  // Each command loads its own modules: `tcpx edge` need not load the API server, chdb or fastify.
  if (command === 'up') return (await import('./up-command.js')).upCommand(values);
  if (command === 'analyze')
    return (await import('./analyze-command.js')).analyzeCommand(positionals, values);
  if (command === 'capture') return (await import('./capture-command.js')).captureCommand(values);
  if (command === 'edge') return (await import('./edge-command.js')).edgeCommand(values);
  if (command === 'processor') return (await import('./processor-command.js')).processorCommand(values);
  if (command === 'api') return (await import('./api-command.js')).apiCommand(values);
  if (command === 'mcp') return (await import('./mcp-command.js')).mcpCommand(values);
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
    } else if (
      error instanceof Error &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS_')
    ) {
      // An unknown option, an option without its value: Node's message, on one line.
      process.stderr.write(`tcpx: ${error.message.replaceAll('\n', ' ')} (tcpx --help shows the usage)\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `tcpx: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
