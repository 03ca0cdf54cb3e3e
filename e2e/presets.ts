/** The presets as Node reads them (the app bundles them with Vite's import.meta.glob). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESET_ORDER } from '../src/presets/order.ts';

export const PRESETS = PRESET_ORDER.map((id) => ({
  id,
  text: readFileSync(join(import.meta.dirname, '..', 'src', 'presets', `${id}.apic`), 'utf8'),
}));
