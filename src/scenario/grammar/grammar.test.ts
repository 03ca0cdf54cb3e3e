/**
 * The grammar agrees with the core it describes: switch defaults with defaultConfig(), the
 * registers, fields and counters (with their filters) with the lists the core computes from,
 * in the same order; and every declared word is one the parser accepts.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, defaultVmm } from '../../core/config.ts';
import { COUNTER_NAMES as CORE_COUNTERS, COUNTER_FILTERS } from '../../core/counters.ts';
import * as core from '../../core/inspect.ts';
import { parseScenario } from '../parse.ts';
import { printScenario } from '../print.ts';
import {
  ACTIONS,
  CONFIG_STATEMENT_NAMES,
  COUNTERS,
  CPU_OPS,
  CPU_SET_REGS,
  CPU_VALUE_REGS,
  choicesOf,
  IOAPIC_FIELDS,
  KVM_SWITCHES,
  parseDuration,
  SETTING_KEYS,
  settingKey,
  VMM_SETTINGS,
} from './index.ts';

describe('the grammar agrees with the core', () => {
  it('declares each KVM switch with the default defaultConfig() has', () => {
    const d = defaultConfig().kvm;
    for (const s of KVM_SWITCHES) {
      const v = d[s.field];
      const written = typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
      expect(written, s.key).toBe(s.default);
    }
    expect(KVM_SWITCHES.map((s) => s.field).sort()).toEqual(Object.keys(d).sort());
  });

  it('declares each qemu/host setting with the default defaultVmm() has (R8.8–R8.12)', () => {
    const d = defaultVmm();
    for (const s of VMM_SETTINGS) {
      const v = d[s.field];
      const written = v === null ? 'default' : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
      expect(written, s.key).toBe(s.default);
    }
    expect(VMM_SETTINGS.map((s) => s.field).sort()).toEqual(Object.keys(d).sort());
  });

  it('lists the registers, IOAPIC fields and counters in the core’s order', () => {
    expect(CPU_SET_REGS.map((r) => r.name)).toEqual(core.CPU_SET_REGS);
    expect(CPU_VALUE_REGS.map((r) => r.name)).toEqual(core.CPU_VALUE_REGS);
    expect(IOAPIC_FIELDS.map((r) => r.name)).toEqual(core.IOAPIC_FIELDS);
    expect(COUNTERS.map((c) => c.name)).toEqual(CORE_COUNTERS);
    for (const c of COUNTERS) expect(c.filters, c.name).toEqual(COUNTER_FILTERS[c.name]);
  });
});

describe('every declared word is one the parser accepts', () => {
  it('each switch value, in a kvm statement', () => {
    for (const s of KVM_SWITCHES) {
      const values = choicesOf(s.values).length ? choicesOf(s.values) : [s.default];
      for (const v of values) expect(parseScenario(`kvm ${s.key}=${v}\n`).ok, `${s.key}=${v}`).toBe(true);
    }
  });

  it('each qemu/host setting value and each life action argument, printed back as written', () => {
    for (const s of VMM_SETTINGS) {
      const values = s.values.kind === 'machine' ? ['pc-q35-10.1'] : choicesOf(s.values);
      for (const v of values) {
        const line = `${s.statement} ${s.key}=${v}`;
        const r = parseScenario(`${line}\n`);
        expect(r.ok, line).toBe(true);
        if (r.ok && v !== s.default) expect(printScenario(r.scenario), line).toContain(line);
      }
    }
    for (const name of ['power-on', 'migrate', 'kvm-set-x2apic-api'] as const) {
      const decl = ACTIONS.find((a) => a.name === name)!;
      for (const arg of decl.args) {
        const values = arg.values.kind === 'machine' ? ['pc-i440fx-9.2'] : choicesOf(arg.values);
        for (const v of values) {
          const line = `${name} ${arg.name}=${v}`;
          const r = parseScenario(`${line}\n`);
          expect(r.ok, line).toBe(true);
          if (r.ok) expect(printScenario(r.scenario), line).toContain(line);
        }
      }
    }
  });

  it('each configuration statement and action name is a statement', () => {
    for (const name of [...CONFIG_STATEMENT_NAMES, ...ACTIONS.map((a) => a.name)]) {
      const r = parseScenario(`${name}\n`);
      // Wrong arguments, never an unknown statement.
      if (!r.ok) expect(r.errors[0].message, name).not.toMatch(/unknown statement/);
    }
  });

  it('each vCPU operation is one', () => {
    for (const op of CPU_OPS) {
      const r = parseScenario(`vcpus 1\ncpu 0 ${op.name}\n`);
      if (!r.ok) expect(r.errors[0].message, op.name).not.toMatch(/unknown vCPU operation/);
    }
  });

  it('each --set key with each of its values applies', async () => {
    const { applySetting } = await import('../settings.ts');
    for (const s of SETTING_KEYS) {
      const values = choicesOf(s.values).length
        ? choicesOf(s.values)
        : s.values.kind === 'machine'
          ? ['pc-q35-10.1', 'pc-i440fx-9.2']
          : ['4'];
      for (const v of values) {
        const c = defaultConfig();
        if (s.key === 'secure-avic' || s.key === 'apic') c.apic = 'x2apic';
        expect(applySetting(c, `${s.key}=${v}`), `${s.key}=${v}`).toBeNull();
      }
    }
    expect(settingKey('guest.3')?.statement('linux')).toBe('guest 3 profile=linux');
    expect(settingKey('constructor')).toBeUndefined();
    expect(settingKey('kvm.constructor')?.key).toBe('kvm.constructor');
  });

  it('reads durations as the parser does', () => {
    expect(parseDuration('10ms')).toBe(10_000_000);
    expect(parseDuration('3µs')).toBe(3000);
    expect(parseDuration('1S')).toBe(1e9);
    expect(parseDuration('10')).toBeNull();
    expect(parseDuration('1000001s')).toBeNull();
  });
});

describe('the UI’s field readers say what the parser says', () => {
  const parserSays = (line: string) => {
    const r = parseScenario(`vcpus 1\n${line}\n`);
    return r.ok ? null : r.errors[0].message;
  };
  const err = (r: { ok: true } | { ok: false; error: string }) => (r.ok ? null : r.error);

  it('for numbers, durations and names', async () => {
    const { readDuration, readName, readNumber, REG32, VECTOR } = await import('./index.ts');
    for (const v of ['0x4g', '0x100', '256', '-1'])
      expect(err(readNumber(v, 'vector', VECTOR)), v).toBe(parserSays(`msi dest=0 vector=${v}`));
    expect(err(readNumber('0x100000000', 'tpr value', REG32))).toBe(parserSays('cpu 0 tpr 0x100000000'));
    expect(readNumber(' 0x31 ', 'vector', VECTOR)).toEqual({ ok: true, value: 0x31 });
    for (const d of ['10', '2000000s', '5 ms'.replace(' ', 'x')])
      expect(err(readDuration(d)), d).toBe(parserSays(`wait ${d}`));
    expect(readDuration('10ms')).toEqual({ ok: true, value: 10_000_000 });
    expect(err(readName('a/b'))).toBe(parserSays('snapshot a/b'));
    expect(readName('s1')).toEqual({ ok: true, value: 's1' });
  });
});

describe('every --set key of the grammar refuses prototype names (issue 14)', () => {
  it('as its value, and leaves the configuration untouched', async () => {
    const { applySetting } = await import('../settings.ts');
    const { PROTOTYPE_WORDS } = await import('../../share/hostile/words.ts');
    for (const s of SETTING_KEYS)
      for (const w of PROTOTYPE_WORDS) {
        const c = defaultConfig();
        expect(applySetting(c, `${s.key}=${w}`), `${s.key}=${w}`).toEqual(expect.any(String));
        expect(c, `${s.key}=${w}`).toEqual(defaultConfig());
      }
  });
});
