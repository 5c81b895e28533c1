import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import type { FlowView } from '@tcpx/query-api';
import { TCPX_BIN } from '../differential/run-tcpx.js';

// `tcpx up` as its own process, as a user starts it, and the HTTP calls the tests make to it.

export interface UpProcess {
  child: ChildProcess;
  /** http://host:port (no trailing slash). */
  url: string;
  stderr(): string;
  /** Sends SIGINT and resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

export { freePort } from '@tcpx/edge-capture/testing/loopback';

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** `node tcpx up ARGS`: resolves once it printed its URL line; rejects when it exits before. */
export function startUp(args: string[], timeoutMs = 60_000): Promise<UpProcess> {
  const child = spawn(process.execPath, [TCPX_BIN, 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tcpx up printed no URL within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /^tcpx up: (http:\/\/\S+?)\/ /m.exec(stdout)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({
        child,
        url,
        stderr: () => stderr,
        interrupt: () => {
          child.kill('SIGINT');
          return exitOf(child);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpx up exited ${code} before serving: ${stderr}`));
    });
  });
}

/** What the tests read of the statistics line `tcpx up` prints at exit. */
export interface UpExitStats {
  msg: string;
  capture: { tcpPackets: number } | null;
  publisher: { packetsAccepted: number; packetsDropped: number };
  processor: { packets: number; restoredPartitions: number };
  output: { finalRows: number; interimRows: number };
  stored: boolean;
}

/** The last JSON line tcpx up wrote on stderr: its statistics at exit. */
export function exitStats(stderr: string): UpExitStats {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as UpExitStats;
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

export async function postJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as T };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every connection the API lists for all time (one page: the tests' captures are small). */
export async function listFlows(url: string): Promise<FlowView[]> {
  const allTime = `from=0&to=${Date.UTC(2100, 0)}`;
  const { status, body } = await getJson<{ flows: FlowView[] }>(`${url}/api/flows?${allTime}&limit=1000`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.flows;
}

/** Follows GET /api/flows/live (Server-Sent Events): every `flow` event's FlowView, as it comes. */
export async function followLive(url: string): Promise<{ events: FlowView[]; stop(): void }> {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/flows/live`, { signal: abort.signal });
  assert.equal(response.status, 200);
  const events: FlowView[] = [];
  const read = async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: flow$/m.test(block) && data !== undefined) events.push(JSON.parse(data) as FlowView);
      }
    }
  };
  read().catch(() => {}); // ends with an AbortError at stop()
  return { events, stop: () => abort.abort() };
}
