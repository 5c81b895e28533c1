import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { diagnose } from '../data/diagnose.js';
import { RTT_GROUP_COLUMNS, RTT_METRICS, rttPercentiles } from '../data/percentiles.js';
import type { RttGroupBy, RttMetric } from '../data/types.js';
import { filterArgs, toFlowFilter } from './args.js';
import { diagnoseOutput, percentilesOutput } from './output-schemas.js';
import { diagnoseText, percentilesText } from './text.js';
import { answer, READ_ONLY_TOOL, toolResult } from './tool-result.js';
import type { McpContext } from './tools.js';

/** rtt_percentiles, diagnose: aggregates over many connections. */
export function registerAnalysisTools(server: McpServer, context: McpContext): void {
  server.registerTool(
    'rtt_percentiles',
    {
      title: 'RTT percentiles per group',
      description:
        'P50/P90/P99 (µs) of one round-trip-time metric over closed connections, per group (server service, ' +
        'namespace or capture node) and, with `step`, per time bucket: "which service got slower, and when?". ' +
        'initial_rtt_us = handshake RTT (network path), rtt_avg_us / rtt_max_us = over all ACKs (rising max ' +
        'with stable min = queueing). `flows` and `samples` say how much data backs each row.',
      inputSchema: {
        metric: z.enum(RTT_METRICS as [RttMetric, ...RttMetric[]]).describe('which RTT'),
        group_by: z
          .enum(Object.keys(RTT_GROUP_COLUMNS) as [RttGroupBy, ...RttGroupBy[]])
          .describe('dst.service = per server service'),
        ...filterArgs,
        step: z
          .number()
          .int()
          .min(1)
          .max(86_400 * 31)
          .optional()
          .describe(
            'bucket width in seconds (multiples of 60 are fastest); absent = one bucket for the range',
          ),
      },
      outputSchema: percentilesOutput,
      annotations: READ_ONLY_TOOL,
    },
    (args) =>
      answer(args.kfl, async () => {
        const result = await rttPercentiles(
          context.store,
          { ...toFlowFilter(args), metric: args.metric, group_by: args.group_by, step: args.step },
          context.now(),
        );
        return toolResult(percentilesText(result), result);
      }),
  );

  server.registerTool(
    'diagnose',
    {
      title: 'What is wrong, where',
      description:
        'Applies two decision trees to the matching connections: "connections are failing" (refused, ' +
        'unreachable, incomplete handshake, reset, half-close) and "the service is slow" (packet loss, ' +
        'bufferbloat, high handshake RTT, zero window, window full, slow server response). Returns the ' +
        'verdicts grouped by code and server, most severe first, with the evidence numbers and example ' +
        'connection ids (for get_flow). Start here for "is anything wrong?".',
      inputSchema: filterArgs,
      outputSchema: diagnoseOutput,
      annotations: READ_ONLY_TOOL,
    },
    (args) =>
      answer(args.kfl, async () => {
        const result = await diagnose(context.store, toFlowFilter(args), context.now());
        return toolResult(diagnoseText(result), result);
      }),
  );
}
