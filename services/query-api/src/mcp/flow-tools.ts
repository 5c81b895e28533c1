import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { flowVersions } from '../data/flow-versions.js';
import { listFlows, MAX_PAGE_SIZE } from '../data/list-flows.js';
import { snapshot } from '../data/snapshot.js';
import { SORT_FIELDS } from '../data/sort.js';
import { DEFAULT_WINDOW_SECONDS } from '../data/sources.js';
import { filterArgs, kflArg, timeArg, timeMs, toFlowFilter } from './args.js';
import { flowPageOutput, flowVersionsOutput, timeTravelOutput } from './output-schemas.js';
import { flowPageText, flowVersionsText, timeTravelText } from './text.js';
import { answer, READ_ONLY_TOOL, toolError, toolResult } from './tool-result.js';
import type { McpContext } from './tools.js';

/** Smaller than the REST default: every connection costs an assistant's context ~1 kB. */
const DEFAULT_LIMIT = 20;

const pageArgs = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .describe(`connections per page, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_LIMIT})`),
  cursor: z
    .string()
    .max(2000)
    .optional()
    .describe('next_cursor of the previous page, with the same other arguments'),
};

/** list_flows, get_flow, time_travel: connections themselves. */
export function registerFlowTools(server: McpServer, context: McpContext): void {
  server.registerTool(
    'list_flows',
    {
      title: 'List TCP connections',
      description:
        'Lists TCP connections (one record each: client `src` → server `dst`, state, start/end time, the 24 ' +
        'health metrics in `tcp_metrics` and diagnosis verdicts), newest first by default. Narrow them with a ' +
        'KFL filter and a time range; sort by any metric (e.g. sort="retransmission_rate", order="desc" for ' +
        "the lossiest). Pages: pass `next_cursor` back as `cursor`. Use get_flow for one connection's history.",
      inputSchema: {
        ...filterArgs,
        sort: z
          .enum(SORT_FIELDS as [string, ...string[]])
          .optional()
          .describe('a metric name (see metrics_glossary), start_time or end_time; default start_time'),
        order: z.enum(['asc', 'desc']).optional().describe('default desc'),
        ...pageArgs,
      },
      outputSchema: flowPageOutput,
      annotations: READ_ONLY_TOOL,
    },
    (args) =>
      answer(args.kfl, async () => {
        const page = await listFlows(
          context.store,
          {
            ...toFlowFilter(args),
            sort: args.sort,
            order: args.order,
            limit: args.limit ?? DEFAULT_LIMIT,
            cursor: args.cursor,
          },
          context.now(),
        );
        return toolResult(flowPageText(page), page);
      }),
  );

  server.registerTool(
    'get_flow',
    {
      title: 'One connection, every version',
      description:
        'Every stored version of one TCP connection, oldest first: interim records written while it was ' +
        'open (metrics so far), then the final one when it closed. Shows how a connection evolved. The id ' +
        'comes from list_flows, time_travel or the examples of diagnose.',
      inputSchema: { id: z.string().min(1).max(40).describe('connection id (decimal, or 16 hex digits)') },
      outputSchema: flowVersionsOutput,
      annotations: READ_ONLY_TOOL,
    },
    ({ id }) =>
      answer(undefined, async () => {
        const versions = await flowVersions(context.store, id);
        if (versions.length === 0) {
          return toolError(`No connection with id ${id}. Ids come from list_flows, time_travel or diagnose.`);
        }
        return toolResult(flowVersionsText(id, versions), { id, versions });
      }),
  );

  server.registerTool(
    'time_travel',
    {
      title: 'Connections at a past instant',
      description:
        'The state at instant `at`: the connections open then (each as it was known at that time, not as it ' +
        'ended) plus those closed in the `window` seconds before, optionally narrowed by a KFL filter; and a ' +
        'summary of all connections then (open/closed counts, states, verdicts, error classes, RTT percentiles). ' +
        'Use it for "what was going on at 14:05?".',
      inputSchema: {
        at: timeArg.describe('the instant: ISO 8601 with zone or epoch milliseconds'),
        kfl: kflArg.optional(),
        window: z
          .number()
          .min(0)
          .max(86_400 * 30)
          .optional()
          .describe(
            `seconds before \`at\` whose closed connections are included (default ${DEFAULT_WINDOW_SECONDS})`,
          ),
        ...pageArgs,
      },
      outputSchema: timeTravelOutput,
      annotations: READ_ONLY_TOOL,
    },
    (args) =>
      answer(args.kfl, async () => {
        const at = timeMs(args.at, 'at');
        const now = context.now();
        const window = args.window ?? DEFAULT_WINDOW_SECONDS;
        const [page, summary] = await Promise.all([
          listFlows(
            context.store,
            { kfl: args.kfl, at, window, limit: args.limit ?? DEFAULT_LIMIT, cursor: args.cursor },
            now,
          ),
          snapshot(context.store, at, now, window),
        ]);
        return toolResult(timeTravelText(summary, page), { snapshot: summary, ...page });
      }),
  );
}
