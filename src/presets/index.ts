/** The built-in scenarios, in the order the picker shows them (bundled by Vite). */
import { PRESET_ORDER } from './order.ts';

export { DEFAULT_PRESET, PRESET_COMPARE, PRESET_GROUPS, PRESET_ORDER } from './order.ts';

const files = import.meta.glob('./*.apic', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export interface Preset {
  id: string;
  text: string;
}

export const PRESETS: Preset[] = PRESET_ORDER.map((id) => {
  const text = files[`./${id}.apic`];
  if (text === undefined) throw new Error(`preset ${id}.apic is missing`);
  return { id, text };
});
