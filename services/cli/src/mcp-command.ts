import { McpStartError, serveMcpStdio } from '@tcpx/query-api/mcp/stdio-server';
import { CliError, usageError } from './cli-error.js';
import { parsePositiveNumber } from './options.js';

export interface McpValues {
  store?: string;
  'query-timeout'?: string;
}

/**
 * `tcpx mcp`: the query API's MCP tools on stdin/stdout, for an assistant that starts tcpx itself
 * (Claude Desktop, an IDE). Reads the store read-only until stdin ends; logs on stderr only.
 */
export async function mcpCommand(values: McpValues): Promise<number> {
  const store = values.store ?? process.env.TCPX_STORE;
  if (!store) throw usageError('mcp needs --store chdb:<dir> | http://host:port[/db] (or TCPX_STORE)');
  const timeoutS = parsePositiveNumber('query-timeout', values['query-timeout']);
  if (timeoutS === 0) throw usageError('--query-timeout must be more than 0 seconds');
  try {
    await serveMcpStdio({ store, queryTimeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000 });
  } catch (error) {
    if (error instanceof McpStartError) throw new CliError(error.message, 2);
    throw error;
  }
  return 0;
}
