/** The built-in scenarios, in the order the picker shows them. */
const files = import.meta.glob('./*.apic', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export const PRESET_ORDER = [
  'level-irq',
  'edge-vs-level',
  'nested-tpr',
  'logical-destinations',
  'lowest-priority',
  'masking',
  'storm-limit',
  'stale-eoi-split-patched',
  'stale-eoi-split-unpatched',
  'stale-eoi-kernel-apicv-patched',
  'stale-eoi-kernel-apicv-unpatched',
  'seoib-quirked-windows',
  'seoib-enabled-windows',
  'seoib-disabled-windows',
  'seoib-enabled-ioapic-0x11',
  'pv-eoi',
  'pv-eoi-disable-fixed',
  'pv-eoi-disable-unfixed',
  'savic-shadow-isr',
  'savic-eoi-read',
];

export interface Preset {
  id: string;
  text: string;
}

export const PRESETS: Preset[] = PRESET_ORDER.map((id) => {
  const text = files[`./${id}.apic`];
  if (text === undefined) throw new Error(`preset ${id}.apic is missing`);
  return { id, text };
});

export const DEFAULT_PRESET = 'level-irq';
