import type { CaptureStats } from './capture-file.js';
import { type LiveCapture, type LiveCaptureOptions, openLiveCapture } from './live.js';

/**
 * A live capture that can be switched off and on (the API's capture switch). Off closes the
 * libpcap session — the kernel stops copying packets to us — rather than discarding them; on opens
 * it again. Statistics add up over every session.
 */
export class SwitchableCapture {
  private session: LiveCapture | undefined;
  private readonly finished: CaptureStats[] = [];
  /** Serialises switching: a second change waits for the first to finish opening. */
  private switching: Promise<void> = Promise.resolve();

  constructor(private readonly options: LiveCaptureOptions) {}

  get capturing(): boolean {
    return this.session !== undefined;
  }

  /** Opens or closes the session; rejects when the interface cannot be opened. */
  setEnabled(enabled: boolean): Promise<void> {
    this.switching = this.switching.then(async () => {
      if (enabled && !this.session) this.session = await openLiveCapture(this.options);
      if (!enabled && this.session) {
        this.finished.push(await this.session.drainAndStop());
        this.session = undefined;
      }
    });
    return this.switching;
  }

  /** Closes the session (if open) and returns the statistics of all sessions. */
  async stop(): Promise<CaptureStats> {
    await this.setEnabled(false).catch(() => {});
    return sumStats(this.finished);
  }
}

function sumStats(all: CaptureStats[]): CaptureStats {
  const total: CaptureStats = {
    format: 'live',
    frames: 0,
    tcpPackets: 0,
    bytes: 0,
    skipped: {},
    malformed: {},
    linkTypes: [],
    dropped: 0,
  };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const s of all) {
    total.frames += s.frames;
    total.tcpPackets += s.tcpPackets;
    total.bytes += s.bytes;
    total.dropped = (total.dropped ?? 0) + (s.dropped ?? 0);
    add(total.skipped, s.skipped);
    add(total.malformed, s.malformed);
    for (const t of s.linkTypes) if (!total.linkTypes.includes(t)) total.linkTypes.push(t);
  }
  return total;
}
