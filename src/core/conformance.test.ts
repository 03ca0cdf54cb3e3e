/**
 * kvm-unit-tests-style scenarios (x86/ioapic.c, x86/apic.c): edge, level, coalescing,
 * retrigger, masking, TMR, destinations, self-reconfigure. Like the real suite (ioapic and
 * ioapic-split), each runs against both IOAPICs, with and without APICv, and must pass in all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';
import { applySetting } from '../scenario/settings.ts';

const dir = join(import.meta.dirname, 'conformance');
const files = readdirSync(dir).filter((f) => f.endsWith('.apic'));
const variants = [
  ['irqchip=split', 'apicv=off'],
  ['irqchip=kernel', 'apicv=off'],
  ['irqchip=split', 'apicv=on'],
  ['irqchip=kernel', 'apicv=on'],
];

describe('kvm-unit-tests-style conformance (R3, R5, R6)', () => {
  for (const file of files) {
    it.each(variants)(`${file} with %s %s`, (...sets) => {
      const s = mustParse(readFileSync(join(dir, file), 'utf8'));
      for (const set of sets) expect(applySetting(s.config, set)).toBeNull();
      const failed = runScenario(s).expects.filter((e) => !e.ok);
      expect(failed).toEqual([]);
    });
  }
});
