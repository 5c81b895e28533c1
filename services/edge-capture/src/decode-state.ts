import { FragmentReassembler } from './ip-reassembly.js';

/**
 * Per-capture decoder state: why frames were not returned, and the IP fragments awaiting the rest
 * of their datagram. Use one instance per capture (file or live session).
 */
export class DecodeState {
  /** Frames that are fine but not TCP-analysable, by reason (`not_ip`, `not_tcp`, `ip_fragment`, …). */
  readonly skipped: Record<string, number> = {};
  /** Bad input, by reason (`truncated_ip`, `bad_tcp_option`, …). */
  readonly malformed: Record<string, number> = {};
  readonly fragments = new FragmentReassembler();

  /** Counts a skipped frame; returns false so that decoders can `return state.skip(…)`. */
  skip(reason: string): false {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
    return false;
  }

  /** Counts bad input; returns false so that decoders can `return state.bad(…)`. */
  bad(reason: string): false {
    this.malformed[reason] = (this.malformed[reason] ?? 0) + 1;
    return false;
  }

  /** Counts the datagrams still missing fragments; call once, when the capture ends. */
  finish(): void {
    this.fragments.dropAll(this);
  }
}
