/** fast-check generators of valid scenarios, for property tests, fuzzing and benchmarks. */
import fc from 'fast-check';
import type { KvmSwitch } from './grammar/config.ts';
import { KVM_SWITCHES } from './grammar/config.ts';
import type { ValueKind } from './grammar/values.ts';
import {
  APIC_MODES,
  DELIVERY_MODES,
  DEST_MODES,
  GUEST_PROFILES,
  IRQCHIP_MODES,
  ON_OFF,
  SHORTHANDS,
  TRIGGERS,
} from './grammar/values.ts';

/** A value of a switch: any of its words; numbers small (storm limits of 1–5 storm soon). */
function switchValue(k: ValueKind): fc.Arbitrary<string> {
  if (k.kind === 'on-off') return fc.constantFrom(...ON_OFF);
  if (k.kind === 'enum') return fc.constantFrom(...k.values);
  if (k.kind === 'number') return fc.integer({ min: k.min, max: Math.min(k.max, k.min + 4) }).map(String);
  throw new Error(`no generator for a switch of kind ${k.kind}`);
}

/** Every KVM switch with a random value, as `kvm KEY=VALUE …` settings. */
const kvmSwitches: fc.Arbitrary<Record<string, string>> = fc.record(
  Object.fromEntries(KVM_SWITCHES.map((s: KvmSwitch) => [s.key, switchValue(s.values)])),
);

const vector = fc.constantFrom(0x31, 0x41, 0x45, 0x61, 0x62, 0xa2, 0x08);
const pin = fc.integer({ min: 0, max: 9 });

function actionLine(vcpus: number): fc.Arbitrary<string> {
  const cpu = fc.integer({ min: 0, max: vcpus - 1 });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          pin,
          vector,
          fc.constantFrom(...TRIGGERS),
          fc.integer({ min: 0, max: vcpus }),
          fc.constantFrom(0, 1),
          fc.constantFrom(...DELIVERY_MODES),
          fc.constantFrom(...DEST_MODES),
        )
        .map(
          ([p, v, t, d, m, dl, dm]) =>
            `route ${p} vector=${v} trigger=${t} dest=${d} mask=${m} delivery=${dl} destmode=${dm}`,
        ),
    },
    {
      // The guest rewrites an RTE itself, in two halves (R5.5, R6).
      weight: 2,
      arbitrary: fc
        .tuple(
          cpu,
          pin,
          fc.constantFrom(
            'dest=1',
            'dest=0',
            'mask=1',
            'mask=0',
            'vector=0x62 trigger=level dest=1 mask=0',
            'trigger=edge',
            'destmode=logical dest=3 delivery=lowest',
          ),
        )
        .map(([c, p, f]) => `cpu ${c} ioapic-rte ${p} ${f}`),
    },
    { weight: 1, arbitrary: pin.map((p) => `mask ${p}`) },
    { weight: 1, arbitrary: pin.map((p) => `unmask ${p}`) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom('assert', 'deassert', 'pulse'), pin).map(([a, p]) => `${a} ${p}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 0xff }), vector, fc.constantFrom(...TRIGGERS))
        .map(([d, v, t]) => `msi dest=${d % (vcpus + 1)} vector=${v} trigger=${t}`),
    },
    {
      // Logical and lowest-priority messages, broadcasts and 32-bit destinations (R4.8, R4.9).
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(0x1, 0x3, 0x5, 0xf, 0x12, 0xff, 0x101, 0x10003, 0xffffffff),
          vector,
          fc.constantFrom(...DEST_MODES),
          fc.constantFrom(...DELIVERY_MODES),
        )
        .map(([d, v, dm, dl]) => `msi dest=${d} vector=${v} destmode=${dm} delivery=${dl}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          cpu,
          fc.constantFrom(
            'apic-id 0',
            'apic-id 0x1000000',
            'apic-id 0x2000000',
            'ldr 0',
            'ldr 0x1000000',
            'ldr 0x2000000',
            'ldr 0x3000000',
            'ldr 0x12000000',
            'dfr 0xffffffff',
            'dfr 0x0fffffff',
            'dfr 0x5fffffff',
          ),
        )
        .map(([c, op]) => `cpu ${c} ${op}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          cpu,
          vector,
          fc.constantFrom(...SHORTHANDS),
          fc.constantFrom('', ' dest=1 destmode=logical delivery=lowest', ' dest=0xff'),
        )
        .map(([c, v, s, rest]) => `ipi from=${c} vector=${v} shorthand=${s}${rest}`),
    },
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          cpu,
          fc.constantFrom(
            'eoi',
            'iret',
            'sti',
            'cli',
            'exit',
            'rdmsr eoi',
            'seoib on',
            'pv-eoi on',
            'pv-eoi off',
            'tpr 0x40',
            'tpr 0',
            'spiv 0xff',
            'spiv 0x1ff',
            'ioapic-eoi 0x62',
            'ioapic-eoi 0xa2',
            'service 1',
            'service 2',
          ),
        )
        .map(([c, op]) => `cpu ${c} ${op}`),
    },
    { weight: 1, arbitrary: fc.constantFrom('wait 10ms', 'wait 1us', 'run 50', 'restore a', 'snapshot a') },
    { weight: 1, arbitrary: cpu.map((c) => `host-pv-eoi ${c} off`) },
  );
}

/** A random valid scenario text: configuration, `snapshot a`, then actions. */
export function scenarioText(maxActions = 40): fc.Arbitrary<string> {
  return fc
    .record({
      vcpus: fc.integer({ min: 1, max: 3 }),
      irqchip: fc.constantFrom(...IRQCHIP_MODES),
      apic: fc.constantFrom(...APIC_MODES, 'xapic cpuid=x2apic', 'xapic cpuid=xapic', 'x2apic cpuid=x2apic'),
      x2apicApi: fc.constantFrom(
        '',
        ' 32bit-ids=on',
        ' broadcast-quirk=off',
        ' 32bit-ids=off broadcast-quirk=on',
      ),
      apicv: fc.constantFrom(...ON_OFF),
      savic: fc.boolean(),
      kvm: kvmSwitches,
      guest: fc.constantFrom(...GUEST_PROFILES),
    })
    .chain((c) => {
      const savic = c.savic && c.apic.startsWith('x2apic');
      // seoib=enabled needs irqchip split (R8.4).
      const kvm = { ...c.kvm };
      if (c.irqchip === 'kernel' && kvm.seoib === 'enabled') kvm.seoib = 'quirked';
      const config = [
        `vcpus ${c.vcpus}`,
        `irqchip ${c.irqchip}`,
        `apic ${c.apic}`,
        `apicv ${c.apicv}`,
        `secure-avic ${savic ? 'on' : 'off'}`,
        `x2apic-api${c.x2apicApi}`,
        `kvm ${Object.entries(kvm)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
        `guest all profile=${c.guest}`,
        'snapshot a',
      ];
      return fc
        .array(actionLine(c.vcpus), { maxLength: maxActions })
        .map((lines) => [...config, ...lines].join('\n'));
    });
}
