/**
 * An event's fields as the app shows them: vectors in hex like everywhere else in the app. The
 * event's own text stays the kernel's TP_printk form (decimal `vec 98`), which the trace-cmd
 * export writes and the trace importer reads back; only the screen rewrites it.
 */
import { hex } from '../../core/hex.ts';

/** `vec 98` / `vector 98` → `vec 0x62` / `vector 0x62`; everything else as it is. */
export function showEventText(text: string): string {
  return text.replace(
    /\b(vec|vector) (\d+)\b/g,
    (_m, word: string, n: string) => `${word} ${hex(Number(n), 2)}`,
  );
}
