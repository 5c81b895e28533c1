import { once } from 'node:events';
import { connect, createServer } from 'node:net';

// Real TCP on loopback for the live-capture tests (edge, capture switch, embedded mode).

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** One connection to an echo server on 127.0.0.1: a request, its echo, the client's close. Returns the client port. */
export async function echoExchange(port: number): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const clientPort = socket.localPort!;
  socket.write('ping\n');
  await once(socket, 'data');
  socket.end();
  await once(socket, 'close');
  return clientPort;
}
