import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ApiContext } from '../http/context.js';
import { registerAnalysisTools } from './analysis-tools.js';
import { registerFlowTools } from './flow-tools.js';
import { registerReferenceTools } from './reference-tools.js';

/** What the tools use of the API's context: they only read the store (no live feed, no capture). */
export type McpContext = Pick<ApiContext, 'store' | 'now'>;

const INSTRUCTIONS = `tcpx measures the health of TCP connections from packet captures, with Wireshark's own analysis
rules. Each TCP connection is one record: src = the client (sent the SYN), dst = the server, a state
(closed, reset, refused, …), 24 metrics in tcp_metrics (retransmissions, retransmission_rate 0–1,
RTTs in microseconds, zero windows, …) and diagnosis verdicts with their evidence.
Start with diagnose ("is anything wrong, where?"), then list_flows to see the connections behind a
verdict and get_flow for one connection's history; rtt_percentiles compares latency per service
over time; time_travel shows the state at a past instant. Filters use KFL, e.g.
tcp_metrics.retransmission_rate > 0.05 and dst.port == 443; metrics_glossary explains every metric
and filter field, kfl_check validates a filter. Times: ISO 8601 with zone, or epoch milliseconds.`;

/** An MCP server with the query API's tools over `context` (a new one per stateless HTTP request). */
export function createMcpServer(context: McpContext): McpServer {
  const server = new McpServer({ name: 'tcpx', version: '0.1.0' }, { instructions: INSTRUCTIONS });
  registerFlowTools(server, context);
  registerAnalysisTools(server, context);
  registerReferenceTools(server, context);
  return server;
}
