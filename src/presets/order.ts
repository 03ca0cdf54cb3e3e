/** The presets in picker order (ids are file names without .apic). */
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

export const DEFAULT_PRESET = 'level-irq';
