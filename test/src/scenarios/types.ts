/** A capture file plus what it is known to contain; shared by real-traffic and crafted generators. */
export interface Scenario {
  /** Stable name, e.g. `random-loss`, `crafted/seq-wrap`. */
  name: string;
  /** Absolute path of the capture (classic pcap, µs timestamps, Ethernet link type). */
  file: string;
  description: string;
  /**
   * What the capture must show, as `<metric><op><integer>` checked with tshark only
   * (metrics in expect.ts: FILTER_METRICS / STREAM_METRICS), e.g. `['retransmissions>0']`.
   */
  expect: string[];
  /** Free-form facts about how it was made (vantage point, tools missing, …). */
  notes?: string[];
  /** true when the file came from the content-hash cache. */
  cached?: boolean;
  /** Wall time spent generating it (0 when cached). */
  generationMs?: number;
}
