// GET /api/flows/live (Server-Sent Events) read through fetch rather than EventSource, so the
// request can carry the API key header when the API requires one. Reconnects after a drop.
import { ApiError, apiFetch, apiUrl } from './api.js';
import type { FlowView } from './types.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'failed';

export interface LiveOptions {
  kfl: string;
  onFlow(flow: FlowView): void;
  onState(state: StreamState, detail?: string): void;
  signal: AbortSignal;
}

const RECONNECT_MS = 3000;

/** Splits an SSE byte stream into events; calls `onEvent` with each event's name and data. */
export class SseParser {
  private buffer = '';
  private event = 'message';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: string, data: string) => void) {}

  push(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent(this.event, this.data.join('\n'));
      this.event = 'message';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment: connected, heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/** Follows new connection records until the signal aborts. */
export async function followFlows({ kfl, onFlow, onState, signal }: LiveOptions): Promise<void> {
  let attempt = 0;
  while (!signal.aborted) {
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      const response = await apiFetch(apiUrl('/api/flows/live', { kfl }), {
        signal,
        headers: { accept: 'text/event-stream' },
      });
      onState('live');
      const parser = new SseParser((event, data) => {
        if (event === 'flow') onFlow(JSON.parse(data) as FlowView);
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (err) {
      if (signal.aborted) return;
      // A filter the API refuses will not get better by retrying.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        onState('failed', err.message);
        return;
      }
    }
    attempt++;
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}
