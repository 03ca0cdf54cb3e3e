/** The presets in picker order (ids are file names without .apic). */
export const PRESET_ORDER = [
  'level-irq',
  'edge-vs-level',
  'nested-tpr',
  'logical-destinations',
  'lowest-priority',
  'lowest-priority-empty-slot',
  'masking',
  'two-bit-ldr-remote-irr',
  'apicv-inhibit-apic-id',
  'storm-limit',
  'stale-eoi-split-patched',
  'stale-eoi-split-unpatched',
  'stale-eoi-kernel-apicv-patched',
  'stale-eoi-kernel-apicv-unpatched',
  'handler-retarget-split-patched',
  'handler-retarget-split-unpatched',
  'handler-retarget-kernel-patched',
  'handler-retarget-kernel-unpatched',
  'seoib-quirked-windows',
  'seoib-enabled-windows',
  'seoib-disabled-windows',
  'seoib-enabled-ioapic-0x11',
  'seoib-rfc-1-incoming-migration',
  'seoib-rfc-2-loadvm-quirked',
  'seoib-rfc-3-late-flag',
  'seoib-rfc-4-auto-policy',
  'seoib-rfc-5-machine-gate',
  'seoib-rfc-6-explicit-property',
  'pv-eoi',
  'pv-eoi-disable-fixed',
  'pv-eoi-disable-unfixed',
  'savic-shadow-isr',
  'savic-eoi-read',
];

export const DEFAULT_PRESET = 'level-irq';

/** Presets the picker shows under a heading of their own: the design challenges of one RFC. */
export const PRESET_GROUPS: { label: string; ids: readonly string[] }[] = [
  {
    label: 'QEMU SEOIB policy RFC (2026-03-09): the design challenges',
    ids: [
      'seoib-rfc-1-incoming-migration',
      'seoib-rfc-2-loadvm-quirked',
      'seoib-rfc-3-late-flag',
      'seoib-rfc-4-auto-policy',
      'seoib-rfc-5-machine-gate',
      'seoib-rfc-6-explicit-property',
    ],
  },
];

/** The `--set` settings Compare opens with for a preset: the candidate policy on the same life. */
export const PRESET_COMPARE: ReadonlyMap<string, readonly string[]> = new Map([
  ['seoib-rfc-1-incoming-migration', ['qemu.seoib-flags=after-load']],
  ['seoib-rfc-2-loadvm-quirked', ['qemu.loadvm-check=on']],
  ['seoib-rfc-3-late-flag', ['qemu.seoib-policy=not-advertised']],
  ['seoib-rfc-4-auto-policy', ['qemu.seoib-policy=auto-new-machines']],
  ['seoib-rfc-5-machine-gate', ['qemu.machine=pc-q35-10.1']],
  ['seoib-rfc-6-explicit-property', ['qemu.seoib-policy=respected']],
]);
