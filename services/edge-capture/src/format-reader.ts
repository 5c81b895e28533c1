/** Frames one capture format into units (file header, packet records, blocks) for CaptureParser. */
export interface FormatReader {
  readonly format: 'pcap' | 'pcapng';
  /**
   * Length of the unit at b[pos], `available` bytes being there: > 0 its whole length (possibly more
   * than available), < 0 minus the number of bytes needed to tell, STOP_READING when the framing is
   * too damaged to go on (the reason already counted).
   */
  unitLength(b: Uint8Array, pos: number, available: number): number;
  /** Whether the (incomplete) unit at b[pos] can be passed over unread instead of buffered. */
  canSkip(b: Uint8Array, pos: number): boolean;
  /** Reads one whole unit; false = stop reading (the reason already counted). */
  readUnit(b: Uint8Array, pos: number, length: number): boolean;
  /** Throws CaptureFormatError if the input ended before a usable file header was read. */
  checkEnd(): void;
}

export const STOP_READING = 0;

/** Largest packet record libpcap and Wireshark accept for the link types we read; more = corrupt. */
export const MAX_CAPTURED_LENGTH = 262144;
