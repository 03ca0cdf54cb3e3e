/**
 * A count with thousands separators, as `n.toLocaleString('en-US')` writes it. One formatter for
 * the app: `toLocaleString` with a locale builds a new one at each call, about 40 µs, and the
 * counters of a live run print a few hundred numbers a second.
 */
const COUNT = new Intl.NumberFormat('en-US');

export const grouped = (n: number): string => COUNT.format(n);
