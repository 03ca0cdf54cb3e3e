/**
 * The one hex formatter: `0x30`, `-0x1`, or zero-padded to `width` digits (`hex(0x3, 2)` is
 * `0x03`). It imports nothing, so every layer may use it, the UI thread included.
 */
export function hex(n: number, width = 0): string {
  const digits = Math.abs(n).toString(16).padStart(width, '0');
  return n < 0 ? `-0x${digits}` : `0x${digits}`;
}
