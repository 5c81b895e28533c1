import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BadRequestError } from '../http/errors.js';
import { KflError } from '../kfl/index.js';

/** Every tcpx tool only reads stored connections (MCP tool annotations). */
export const READ_ONLY_TOOL = { readOnlyHint: true, openWorldHint: false } as const;

/** A tool's answer: the data as structuredContent (checked against its outputSchema) and as text. */
export function toolResult(text: string, data: object): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: { ...data } };
}

/** An error the assistant can act on: isError, so it is a result the model sees, not a protocol failure. */
export function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** "Invalid KFL filter at offset N: …" with the filter and a caret under the offending text. */
export function kflErrorText(error: KflError, kfl: string | undefined): string {
  const head = `Invalid KFL filter at offset ${error.offset} (length ${error.length}): ${error.message}`;
  if (kfl === undefined || kfl.includes('\n')) return head;
  return `${head}\n  ${kfl}\n  ${' '.repeat(error.offset)}${'^'.repeat(Math.max(1, error.length))}`;
}

/**
 * Runs a tool body; a bad filter or argument (KflError, BadRequestError) becomes an isError result
 * naming the problem. Other failures (the store is down, a bug) propagate: the SDK reports them as
 * isError results too, with their message.
 */
export async function answer(
  kfl: string | undefined,
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KflError) return toolError(kflErrorText(error, kfl));
    if (error instanceof BadRequestError) return toolError(`Invalid argument: ${error.message}`);
    throw error;
  }
}
