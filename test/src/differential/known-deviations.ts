/**
 * Differences from tshark 4.0.17 that tcpx keeps on purpose. Each is documented in
 * docs/deviations.md; the differential test requires it to appear exactly where listed (so the
 * entry cannot rot) and nothing else to differ.
 */
export interface KnownDeviation {
  /** Capture file name (basename). */
  file: string;
  stream: number;
  field: string;
  /** Section of docs/deviations.md that explains it. */
  reason: string;
}

export const KNOWN_DEVIATIONS: KnownDeviation[] = [];
