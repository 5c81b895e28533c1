import {
  type CaptureStats,
  type PacketPublisher,
  PauseGate,
  type ReplayResult,
  replayCapture,
  SwitchableCapture,
} from '@tcpx/edge-capture';
import { type CaptureControl, CaptureUnavailableError } from '@tcpx/query-api';

// The input of `tcpx up` — a replayed file, a live interface, or none — as the API's capture
// switch sees it: POST /mcp/dissection/disable|enable really stops and starts it (a live capture
// closes and reopens its libpcap session; a replay pauses and resumes reading).

export type InputSpec =
  | { kind: 'replay'; file: string; speed: 'fast' | number }
  | { kind: 'live'; iface: string; bpf: string }
  | { kind: 'none' };

export interface EmbeddedInput extends CaptureControl {
  /** Starts capturing (throws when the interface cannot be opened) or replaying (in the background). */
  start(): Promise<void>;
  /** Settles when a replay ended: its result, or its error (a file that is not a capture). */
  readonly finished: Promise<ReplayResult | Error> | undefined;
  /** Stops; resolves once nothing more will be published, with what was read. */
  stop(): Promise<CaptureStats | null>;
  /** Why the input failed (the process then exits 2), if it did. */
  failure(): Error | undefined;
}

type Edge = ReturnType<NonNullable<CaptureControl['edges']>>[number];

export function embeddedInput(spec: InputSpec, publisher: PacketPublisher): EmbeddedInput {
  if (spec.kind === 'replay') return new ReplayInput(spec.file, spec.speed, publisher);
  if (spec.kind === 'live') return new LiveInput(spec.iface, spec.bpf, publisher);
  return new NoInput();
}

class ReplayInput implements EmbeddedInput {
  private readonly gate = new PauseGate();
  private readonly abort = new AbortController();
  finished: Promise<ReplayResult | Error> | undefined;
  private ended = false;
  private error: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly speed: 'fast' | number,
    private readonly publisher: PacketPublisher,
  ) {}

  async start(): Promise<void> {
    const { speed, gate: pause, abort } = this;
    this.finished = replayCapture(this.file, this.publisher, { speed, pause, signal: abort.signal }).then(
      (result) => result,
      (error: unknown) =>
        new Error(`${this.file}: ${error instanceof Error ? error.message : String(error)}`),
    );
    void this.finished.then((result) => {
      this.ended = true;
      if (result instanceof Error) this.error = result;
    });
  }

  failure(): Error | undefined {
    return this.error;
  }

  enabled(): boolean {
    return !this.gate.paused;
  }

  async set(enabled: boolean): Promise<void> {
    if (enabled) this.gate.resume();
    else this.gate.pause();
  }

  edges(): Edge[] {
    const capturing = !this.gate.paused && !this.ended;
    return [{ node: this.publisher.node, capturing, at: Date.now(), interfaces: [this.file] }];
  }

  async stop(): Promise<CaptureStats | null> {
    this.abort.abort();
    const result = await this.finished;
    return result instanceof Error || result === undefined ? null : result.capture;
  }
}

class LiveInput implements EmbeddedInput {
  readonly finished = undefined;
  private readonly capture: SwitchableCapture;
  private captureError: Error | undefined;

  constructor(
    private readonly iface: string,
    bpf: string,
    private readonly publisher: PacketPublisher,
  ) {
    this.capture = new SwitchableCapture({
      iface,
      bpf,
      onPacket: (p) => publisher.publish(p),
      onError: (error) => {
        this.captureError = error;
        process.stderr.write(`tcpx: capture on ${iface} failed: ${error.message}\n`);
      },
    });
  }

  start(): Promise<void> {
    return this.capture.setEnabled(true);
  }

  failure(): Error | undefined {
    return this.captureError;
  }

  enabled(): boolean {
    return this.capture.capturing;
  }

  set(enabled: boolean): Promise<void> {
    return this.capture.setEnabled(enabled);
  }

  edges(): Edge[] {
    const { node } = this.publisher;
    return [{ node, capturing: this.capture.capturing, at: Date.now(), interfaces: [this.iface] }];
  }

  stop(): Promise<CaptureStats> {
    return this.capture.stop();
  }
}

class NoInput implements EmbeddedInput {
  readonly finished = undefined;

  async start(): Promise<void> {}

  enabled(): boolean {
    return false;
  }

  async set(): Promise<void> {
    throw new CaptureUnavailableError('tcpx up --no-input has no capture to switch');
  }

  edges(): Edge[] {
    return [];
  }

  async stop(): Promise<null> {
    return null;
  }

  failure(): undefined {
    return undefined;
  }
}
