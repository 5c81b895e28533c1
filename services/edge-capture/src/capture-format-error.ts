/**
 * The input cannot be read as a capture at all (not pcap/pcapng, too short for a header, corrupt
 * file header, or nothing but unsupported link types). `message` is a one-line reason.
 * Damage inside an otherwise readable capture is counted in CaptureStats instead.
 */
export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}
