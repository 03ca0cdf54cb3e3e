export const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
export const hexn = (v: number) => (v < 0 ? String(v) : `0x${v.toString(16)}`);
export const vectorList = (vs: number[]) => (vs.length ? vs.map(hex2).join(', ') : 'none');
