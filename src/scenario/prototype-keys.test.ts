/**
 * Object.prototype's names are never values or keys (issue 14, item 1): every enumerated slot
 * of the language, and every `--set` key and value, refuses them with a LINE:COL error. (An
 * `in` lookup once took `apic constructor` for a mode and handed the worker a function.)
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config.ts';
import { runScenario } from '../replay/run.ts';
import { PROTOTYPE_WORDS, SLOTS } from '../share/hostile/words.ts';
import { parseScenario } from './parse.ts';
import { applySetting } from './settings.ts';

describe('prototype names are refused in every slot (issue 14 item 1)', () => {
  it.each(SLOTS)('%j with each prototype name is a LINE:COL error', (slot) => {
    const accepted: string[] = [];
    for (const w of PROTOTYPE_WORDS) {
      const line = slot.replace('@', w);
      const r = parseScenario(`vcpus 2\n${line}\n`);
      if (r.ok) {
        accepted.push(line);
        continue;
      }
      const e = r.errors[0];
      expect(e.line, line).toBe(2);
      expect(e.col, line).toBeGreaterThanOrEqual(1);
      expect(e.col, line).toBeLessThanOrEqual(line.length);
      expect(e.message, line).not.toMatch(/\n\s+at /);
    }
    expect(accepted).toEqual([]);
  });

  it.each(PROTOTYPE_WORDS)('%s as a --set key or value leaves the configuration untouched', (w) => {
    const keys = [
      'vcpus',
      'apic',
      'irqchip',
      'apicv',
      'secure-avic',
      'ioapic.version',
      'kvm.stale-eoi-rescan',
      'kvm.seoib',
      'kvm.pv-eoi',
      'kvm.pv-eoi-disable-fix',
      'kvm.savic-eoi-write-check',
      'kvm.vector-hashing',
      'kvm.storm-limit',
      'guest.all',
      'guest.0',
    ];
    const settings = [
      ...keys.map((k) => `${k}=${w}`),
      `${w}=on`,
      `kvm.${w}=on`,
      `guest.${w}=linux`,
      `ioapic.${w}=0x11`,
      `${w}.seoib=on`,
    ];
    for (const s of settings) {
      const c = defaultConfig();
      const problem = applySetting(c, s);
      expect(problem, s).toEqual(expect.any(String));
      expect(c, s).toEqual(defaultConfig());
    }
  });

  it('a snapshot may still be called constructor or __proto__ (names are not looked up in objects)', () => {
    const r = parseScenario(
      'vcpus 1\nsnapshot constructor\nsnapshot __proto__\nmsi dest=0 vector=0x31\nrestore __proto__\nexpect cpu 0 isr = {}\nrestore constructor\n',
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(runScenario(r.scenario).expects.every((e) => e.ok)).toBe(true);
  });
});
