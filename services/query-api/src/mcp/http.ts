import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ApiContext } from '../http/context.js';
import { createMcpServer } from './tools.js';

/** JSON-RPC error body for requests that never reach an MCP server. */
const rpcError = (code: number, message: string) =>
  JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * MCP over Streamable HTTP at exactly `/mcp` (so `/mcp/calls` and `/mcp/dissection/*` stay other
 * routes'). Stateless, as the SDK's stateless example: every POST gets its own server and
 * transport, so no session state lives between requests and any replica can answer. Without
 * sessions there is no server-to-client stream to open (GET) or session to end (DELETE): 405.
 */
export const mcpPlugin: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  const schema = {
    summary: 'MCP (Model Context Protocol) over Streamable HTTP',
    description:
      'JSON-RPC 2.0 messages of MCP, stateless (no session id; answers as application/json). Tools: ' +
      'list_flows, get_flow, rtt_percentiles, diagnose, time_travel, metrics_glossary, kfl_check.',
    tags: ['mcp'],
  };
  app.post('/mcp', { schema }, async (request, reply) => {
    // fastify has parsed the JSON body; the transport writes the raw response itself.
    reply.hijack();
    const res = reply.raw;
    const server = createMcpServer(context);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, res, request.body);
    } catch (error) {
      request.log.error({ err: error }, 'MCP request failed');
      if (!res.headersSent) {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(rpcError(-32603, 'Internal server error'));
      }
    }
  });

  const notAllowed = async (_request: unknown, reply: FastifyReply) =>
    reply
      .code(405)
      .header('allow', 'POST')
      .type('application/json')
      .send(rpcError(-32000, 'Method not allowed: this MCP endpoint is stateless, use POST'));
  app.get('/mcp', { schema: { hide: true } }, notAllowed);
  app.delete('/mcp', { schema: { hide: true } }, notAllowed);
};
