import type { FastifyInstance } from 'fastify';
import { type ApiOptions, buildApp } from './http/app.js';

export interface RunningApi {
  /** `http://host:port`, with the port actually bound (port 0 picks a free one). */
  url: string;
  app: FastifyInstance;
  /** Stops listening and ends every connection (SSE streams included); resolves when closed. */
  close(): Promise<void>;
}

/** Builds the app and listens on host:port. */
export async function startApi(options: ApiOptions & { host: string; port: number }): Promise<RunningApi> {
  const { host, port, ...apiOptions } = options;
  const app = await buildApp(apiOptions);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${bound}`, app, close: () => app.close() };
}
