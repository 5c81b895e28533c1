#!/usr/bin/env node
// `node dist/mcp/stdio.js --store chdb:<dir>|http://host:port[/db]` (or $TCPX_STORE): the MCP
// tools on stdio. `tcpx mcp` is the same through the CLI. Exit 2 when the store cannot be read.
import { parseArgs } from 'node:util';
import { McpStartError, serveMcpStdio } from './stdio-server.js';

const USAGE = 'usage: node dist/mcp/stdio.js --store chdb:<dir>|http://host:port[/db]   (or TCPX_STORE)\n';

async function main(): Promise<number> {
  let values: { store?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { store: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`tcpx-mcp: ${(error as Error).message}\n${USAGE}`);
    return 1;
  }
  const store = values.store ?? process.env.TCPX_STORE;
  if (values.help || !store) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 1;
  }
  await serveMcpStdio({ store });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tcpx-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof McpStartError ? 2 : 70;
  },
);
