import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { EXTRA_METRIC_GLOSSARY, type GlossaryEntry, SEED_METRIC_GLOSSARY } from '../data/glossary.js';
import { compileKfl, KFL_FIELDS, KFL_KEYWORDS, KflError } from '../kfl/index.js';
import { kflArg } from './args.js';
import { METRIC_SIGNS } from './metric-signs.js';
import { kflErrorText, READ_ONLY_TOOL, toolError, toolResult } from './tool-result.js';
import type { McpContext } from './tools.js';

const entry = {
  name: z.string(),
  unit: z.string().describe('count, ratio (0–1), µs, bytes, bitmask or shift'),
  nullable: z.boolean().describe('null where it was not measurable'),
  description: z.string(),
  tshark: z.string().describe('the Wireshark field it corresponds to, or derived'),
};

const glossaryOutput = z.object({
  tcp_metrics: z
    .array(z.object({ ...entry, bad_when: z.string().describe('what a bad value looks like') }))
    .describe('the 24 seed metrics, filterable as tcp_metrics.<name>'),
  extra_metrics: z.array(z.object(entry)),
  kfl: z
    .object({
      fields: z.array(
        z.object({
          name: z.string(),
          type: z.string(),
          description: z.string(),
          aliases: z.array(z.string()),
        }),
      ),
      keywords: z.array(z.object({ name: z.string(), description: z.string() })),
    })
    .optional()
    .describe('the KFL vocabulary (only without `metric`)'),
});

const kflCheckOutput = z.object({
  valid: z.boolean(),
  error: z
    .object({ offset: z.number().int(), length: z.number().int(), message: z.string() })
    .optional()
    .describe('why it is invalid; offset = 0-based character position in the filter'),
  warnings: z.array(z.string()).describe('valid, but maybe not what was meant'),
});

const seedEntries = () =>
  SEED_METRIC_GLOSSARY.map((m) => ({ ...m, bad_when: METRIC_SIGNS[m.name as keyof typeof METRIC_SIGNS] }));

const glossaryLine = (m: GlossaryEntry & { bad_when?: string }) =>
  `${m.name} (${m.unit}${m.nullable ? ', may be null' : ''}): ${m.description}${m.bad_when ? ` Bad: ${m.bad_when}` : ''}`;

/** metrics_glossary, kfl_check: what the data means and how to ask for it. */
export function registerReferenceTools(server: McpServer, context: McpContext): void {
  server.registerTool(
    'metrics_glossary',
    {
      title: 'What the metrics and filter fields mean',
      description:
        'Explains the 24 per-connection TCP health metrics (unit, meaning, Wireshark equivalent, what a bad ' +
        "value looks like) and tcpx's extra metrics; without `metric` also every KFL filter field and keyword. " +
        'Read it before writing filters or interpreting list_flows / get_flow results.',
      inputSchema: {
        metric: z.string().max(100).optional().describe('one metric name, e.g. retransmission_rate'),
      },
      outputSchema: glossaryOutput,
      annotations: READ_ONLY_TOOL,
    },
    async ({ metric }) => {
      const seed = seedEntries();
      if (metric === undefined) {
        const text = [
          'Seed metrics (tcp_metrics.<name> in KFL):',
          ...seed.map(glossaryLine),
          'Extra metrics:',
          ...EXTRA_METRIC_GLOSSARY.map(glossaryLine),
          `KFL: ${KFL_FIELDS.length} fields, keywords ${KFL_KEYWORDS.map((k) => k.name).join(', ')}.`,
        ].join('\n');
        return toolResult(text, {
          tcp_metrics: seed,
          extra_metrics: EXTRA_METRIC_GLOSSARY,
          kfl: { fields: KFL_FIELDS, keywords: KFL_KEYWORDS },
        });
      }
      const name = metric.replace(/^tcp_metrics\./, '');
      const tcp = seed.filter((m) => m.name === name);
      const extra = EXTRA_METRIC_GLOSSARY.filter((m) => m.name === name);
      if (tcp.length + extra.length === 0) {
        const names = [...seed, ...EXTRA_METRIC_GLOSSARY].map((m) => m.name).join(', ');
        return toolError(`No metric named ${metric}. Metrics: ${names}.`);
      }
      return toolResult([...tcp, ...extra].map(glossaryLine).join('\n'), {
        tcp_metrics: tcp,
        extra_metrics: extra,
      });
    },
  );

  server.registerTool(
    'kfl_check',
    {
      title: 'Check a KFL filter',
      description:
        'Checks a KFL filter without running it: whether it is valid, and if not where (0-based character ' +
        'offset) and why, with a suggestion when a name is misspelt; warnings for valid filters that may not ' +
        'mean what was intended (e.g. mixing and/or without parentheses). Use it to fix a filter another tool rejected.',
      inputSchema: { kfl: kflArg },
      outputSchema: kflCheckOutput,
      annotations: READ_ONLY_TOOL,
    },
    async ({ kfl }) => {
      try {
        const { warnings } = compileKfl(kfl, { now: context.now() });
        const text = warnings.length ? ['Valid, with warnings:', ...warnings].join('\n') : 'Valid.';
        return toolResult(text, { valid: true, warnings: [...warnings] });
      } catch (error) {
        if (!(error instanceof KflError)) throw error;
        const { offset, length, message } = error;
        return toolResult(kflErrorText(error, kfl), {
          valid: false,
          error: { offset, length, message },
          warnings: [],
        });
      }
    },
  );
}
