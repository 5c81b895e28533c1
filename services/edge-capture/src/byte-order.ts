/** Unsigned reads in a byte order chosen at run time (capture files may be either). */

export function readU16(b: Uint8Array, p: number, littleEndian: boolean): number {
  return littleEndian ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

export function readU32(b: Uint8Array, p: number, littleEndian: boolean): number {
  return littleEndian
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
