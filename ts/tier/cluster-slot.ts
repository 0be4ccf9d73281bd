/**
 * Redis Cluster hash slots (CRC16-XMODEM of the key or of its first
 * non-empty `{hash tag}`, modulo 16384), to group MGET keys per slot: a
 * multi-key command must stay within one slot on a cluster.
 */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** Number of hash slots of a Redis Cluster. */
export const SLOTS = 16384;

/** The hash slot of `key` (a string, hashed as its UTF-8 bytes). */
export function slotOf(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // '{'
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc % SLOTS;
}
