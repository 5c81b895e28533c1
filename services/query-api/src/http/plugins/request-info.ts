import type { FastifyRequest } from 'fastify';

/** The route pattern (`/flows/:id`), never the raw path, so metric labels stay few. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** The KFL filter a request carries: `?kfl=`, a JSON body's `kfl`, or an MCP tool call's argument. */
export function kflOf(request: FastifyRequest): string | undefined {
  const query = request.query as { kfl?: unknown } | undefined;
  const body = request.body as { kfl?: unknown; params?: { arguments?: { kfl?: unknown } } } | undefined;
  const kfl = query?.kfl ?? body?.kfl ?? body?.params?.arguments?.kfl;
  return typeof kfl === 'string' ? kfl : undefined;
}
