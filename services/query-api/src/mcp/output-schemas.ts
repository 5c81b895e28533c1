import * as z from 'zod';
import {
  diagnoseResultSchema,
  flowPageSchema,
  flowViewSchema,
  percentileResultSchema,
  snapshotSchema,
} from '../http/routes/schemas.js';

// The MCP tools answer with the same shapes as the REST routes, so their output schemas are the
// routes' JSON schemas (one definition; KFL redact()'s "[REDACTED]" leaves included) read as zod.

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
const fromJson = (schema: object) => z.fromJSONSchema(schema as JsonSchema);

export const flowPageOutput = fromJson(flowPageSchema);

export const flowVersionsOutput = fromJson({
  type: 'object',
  properties: {
    id: { type: 'string' },
    versions: {
      type: 'array',
      items: flowViewSchema,
      description: 'oldest first; the last is the current state',
    },
  },
  required: ['id', 'versions'],
});

export const percentilesOutput = fromJson(percentileResultSchema);

export const diagnoseOutput = fromJson(diagnoseResultSchema);

export const timeTravelOutput = fromJson({
  type: 'object',
  properties: {
    snapshot: {
      ...snapshotSchema,
      description: 'every connection at that instant, not only the filtered ones',
    },
    ...flowPageSchema.properties,
  },
  required: ['snapshot', ...flowPageSchema.required],
});
