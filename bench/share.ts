/** Share-link sizes: every preset, and a 1000-step recorded session; encode and decode time. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESET_ORDER } from '../src/presets/order.ts';
import { decodeFragment, encodeFragment } from '../src/share/url.ts';
import type { Figure } from './core.ts';
import { mixedActions } from './core.ts';

export function shareFigures(): Figure[] {
  const sizes = PRESET_ORDER.map((id) => {
    const text = readFileSync(join(import.meta.dirname, '..', 'src', 'presets', `${id}.apic`), 'utf8');
    return { id, chars: `#${encodeFragment({ text, step: 0 })}`.length };
  });
  const max = Math.max(...sizes.map((s) => s.chars));
  const session = mixedActions(1000, 42).text;
  const t0 = performance.now();
  const frag = encodeFragment({ text: session, step: 1000 });
  const encodeMs = performance.now() - t0;
  const t1 = performance.now();
  decodeFragment(frag);
  const decodeMs = performance.now() - t1;
  return [
    ...sizes.map((s) => ({ name: `url_chars_${s.id}`, value: s.chars, unit: 'chars' })),
    { name: 'url_chars_preset_max', value: max, unit: 'chars', budget: '< 1000', ok: max < 1000 },
    {
      name: 'url_chars_1000_step_session',
      value: frag.length + 1,
      unit: 'chars',
      budget: '< 8000',
      ok: frag.length + 1 < 8000,
    },
    { name: 'url_encode_1000_steps_ms', value: encodeMs, unit: 'ms' },
    { name: 'url_decode_1000_steps_ms', value: decodeMs, unit: 'ms' },
  ];
}
