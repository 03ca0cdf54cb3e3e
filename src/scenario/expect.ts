/** Evaluates `expect` checks against a machine state (contract §7). */
import { formatVectorSet } from '../core/bitmap.ts';
import { countersGet } from '../core/counters.ts';
import { hex } from '../core/hex.ts';
import { apicvState, cpuSet, cpuValue, ioapicField, ioapicVersionRegister } from '../core/inspect.ts';
import type { MachineState } from '../core/state.ts';
import type { Check, VmKey } from './ast.ts';

export interface CheckResult {
  ok: boolean;
  /** The actual value in the scenario language's notation. */
  actual: string;
}

export function evaluateCheck(s: MachineState, c: Check): CheckResult {
  switch (c.kind) {
    case 'cpu-set': {
      const actual = cpuSet(s.cpus[c.cpu], c.reg);
      const has = actual.includes(c.vectors[0]);
      const ok = c.op === '=' ? actual.join() === c.vectors.join() : c.op === 'has' ? has : !has;
      return { ok, actual: formatVectorSet(actual) };
    }
    case 'cpu-value': {
      const v = cpuValue(s.cpus[c.cpu], c.reg);
      return {
        ok: v === c.value,
        actual: c.reg === 'if' || c.reg === 'pv-eoi-pending' || v < 0 ? String(v) : hex(v),
      };
    }
    case 'ioapic': {
      const v = ioapicField(s, c.pin, c.field);
      const actual =
        c.field === 'vector' ? hex(v) : c.field === 'trigger' ? (v ? 'level' : 'edge') : String(v);
      return { ok: v === c.value, actual };
    }
    case 'ioapic-version': {
      const v = ioapicVersionRegister(s);
      return { ok: v === c.value, actual: hex(v) };
    }
    case 'kvm-seoib':
      return { ok: s.vm.seoib === c.value, actual: s.vm.seoib };
    case 'kvm-apicv': {
      const actual = apicvState(s);
      return { ok: actual === c.value, actual };
    }
    case 'vm': {
      const actual = vmValue(s, c.key);
      return { ok: actual === c.value, actual };
    }
    case 'count': {
      const n = countersGet(s.counters, c.name, c.filter);
      const ok = c.op === '=' ? n === c.value : c.op === '>=' ? n >= c.value : n <= c.value;
      return { ok, actual: String(n) };
    }
  }
}

/** The VM's life as `expect vm KEY` reads it (R8.8–R8.12). */
export function vmValue(s: MachineState, key: VmKey): string {
  const vm = s.vm;
  switch (key) {
    case 'leg':
      return String(vm.leg);
    case 'migration':
      return vm.lastMigration;
    case 'seoib-state':
      return vm.qemuSeoib;
    case 'flag-write':
      return vm.lastFlagWrite;
    case 'policy':
      return vm.host.policy;
  }
}
