/**
 * From trace records to a scenario that reproduces the traced inputs. The configuration is
 * inferred from which tracepoints appear; then the records are read in order, each either
 * explained by what the model already did (an output: an IRR acceptance, an injection, a
 * KVM_EXIT_IOAPIC_EOI) or turned into actions (an input: a line level, an MSI, an IPI, an EOI, a
 * register write). Where a record allows more than one reading (a kvm_ioapic_set_irq without its
 * kvm_set_irq does not print the level; whether the guest had re-enabled interrupts), each
 * reading is run on a copy of the machine and the one whose events match the trace lines that
 * follow best is kept. Pure: the core machine, no Node APIs.
 */
import type { Action, RteFields } from '../core/actions.ts';
import { bitmapHighest, bitmapTest } from '../core/bitmap.ts';
import type { Config } from '../core/config.ts';
import { defaultConfig, MAX_VCPUS, NUM_PINS } from '../core/config.ts';
import type { TraceEvent } from '../core/events.ts';
import { isTracepoint } from '../core/events.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import type { SplitTrace, TraceRecord } from './records.ts';
import type { MsiFormat, Parsed } from './tracepoints.ts';
import { eventKey, exitClass, KNOWN_TRACEPOINTS, parseFields } from './tracepoints.ts';

export interface ImportedStep {
  action: Action;
  /** The record it came from (its index; steps are in record order). */
  record: number;
  /** The trace line it is annotated with. */
  line: number;
  /** Set when the action is inferred rather than read: why. */
  inferred: string | null;
}

export interface RecordUse {
  /** input: it made steps; used: read (compared, or context); skipped: not read, `reason` says why. */
  role: 'input' | 'used' | 'skipped';
  reason?: string;
  parsed: Parsed | null;
  vcpu: number | null;
  /** The normal form it is compared in, null when it is not compared. */
  key: string | null;
}

export interface Imported {
  trace: SplitTrace;
  config: Config;
  /** One line per inferred configuration choice, with the evidence. */
  configWhy: string[];
  steps: ImportedStep[];
  uses: RecordUse[];
  msiFormat: MsiFormat;
}

const DM_NAMES = ['Fixed', 'LowPrio', 'SMI', 'Res3', 'NMI', 'INIT', 'SIPI', 'ExtINT'];
const MSR_KVM_PV_EOI_EN = 0x4b564d04;
const IOAPIC_BASE = 0xfec00000;
const X2APIC_EOI_MSR = 0x80b;
const X2APIC_TPR_MSR = 0x808;

/** A model event's normal form (the model prints the kernel's formats; kvm_msi_set_irq the new one). */
export function modelKey(e: TraceEvent): string | null {
  if (!isTracepoint(e.type)) return null;
  const p = parseFields(e.type, e.text, 'new');
  return p ? eventKey(p, e.cpu >= 0 ? e.cpu : null) : null;
}

/** Keys match exactly, or up to the vCPU when one side does not know it. */
export function keysMatch(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.includes(' vcpu=-1') && !b.includes(' vcpu=-1')) return false;
  const loose = (k: string) => k.replace(/ vcpu=-?\d+/, '');
  return loose(a) === loose(b);
}

function cpuOfComm(comm: string): number | null {
  const m = /^CPU (\d+)\/KVM$/.exec(comm);
  return m ? Number(m[1]) : null;
}

/** Decides how kvm_msi_set_irq prints in this trace: by its own digits, else by the acceptances after it. */
function msiFormatOf(records: TraceRecord[]): MsiFormat {
  let old = 0;
  let cur = 0;
  records.forEach((r, i) => {
    if (r.name !== 'kvm_msi_set_irq') return;
    const m = /^dst ([0-9a-fx]+) vec ([0-9a-fx]+)/i.exec(r.body);
    if (!m) return;
    if (/[a-f]/i.test(m[2])) old++;
    else if (/[a-f]/i.test(m[1]) || Number(m[1]) > 0xff) cur++;
    else {
      const acc = records.slice(i + 1, i + 8).find((x) => x.name === 'kvm_apic_accept_irq');
      const v = acc && /vec (\d+)/.exec(acc.body);
      if (!v) return;
      if (Number(v[1]) === Number(m[2])) cur++;
      else if (Number(v[1]) === Number.parseInt(m[2], 16)) old++;
    }
  });
  return old > cur ? 'old' : 'new';
}

function simulate(state: MachineState, actions: Action[]): { state: MachineState; events: TraceEvent[] } {
  const m = Machine.fromState(state, true);
  const events: TraceEvent[] = [];
  for (const a of actions) events.push(...m.apply(a).events);
  return { state: m.state, events };
}

function rteAction(
  pin: number,
  f: { vector: number; trigger: number; dest: number; destMode: number; dm: number; masked: boolean },
): Action {
  return {
    kind: 'route',
    pin,
    fields: {
      vector: f.vector,
      trigger: f.trigger as 0 | 1,
      dest: f.dest & 0xff,
      destMode: f.destMode as 0 | 1,
      deliveryMode: f.dm as 0 | 1,
      mask: f.masked ? 1 : 0,
    },
  };
}

function routeDiffers(s: MachineState, a: Action): boolean {
  if (a.kind !== 'route') return false;
  const e = s.ioapic.rte[a.pin];
  return (Object.keys(a.fields) as (keyof RteFields)[]).some((k) => a.fields[k] !== e[k]);
}

/** A variant of the inferred configuration to try (KVM code versions the trace cannot show directly). */
export interface ConfigVariant {
  apply: (c: Config) => void;
  why: string;
}

export function synthesize(trace: SplitTrace, variant?: ConfigVariant): Imported {
  const records = trace.records;
  const msiFormat = msiFormatOf(records);
  const pidCpu = new Map<number, number>();
  const uses: RecordUse[] = records.map((r) => {
    if (!KNOWN_TRACEPOINTS.has(r.name))
      return { role: 'skipped', reason: `unknown tracepoint ${r.name}`, parsed: null, vcpu: null, key: null };
    let parsed = parseFields(r.name, r.body, msiFormat);
    if (!parsed && r.parts) {
      // A wrapped line: maybe the wrap cut a word (join without the space), or what was joined is not ours.
      parsed = parseFields(r.name, r.parts.join(''), msiFormat) ?? parseFields(r.name, r.parts[0], msiFormat);
    }
    if (!parsed)
      return { role: 'skipped', reason: `garbled ${r.name} fields`, parsed: null, vcpu: null, key: null };
    if ((parsed.t === 'exit' || parsed.t === 'entry') && parsed.vcpu !== null && r.pid >= 0)
      pidCpu.set(r.pid, parsed.vcpu);
    return { role: 'used', parsed, vcpu: null, key: null };
  });
  records.forEach((r, i) => {
    const u = uses[i];
    const p = u.parsed;
    if (!p) return;
    let vcpu: number | null =
      (p.t === 'exit' || p.t === 'entry') && p.vcpu !== null
        ? p.vcpu
        : (cpuOfComm(r.comm) ?? pidCpu.get(r.pid) ?? null);
    if (vcpu === null && (p.t === 'eoi' || p.t === 'pv_eoi')) vcpu = p.apicid; // KVM prints vcpu_id
    u.vcpu = vcpu;
    u.key = eventKey(p, vcpu);
  });

  // --- configuration ---------------------------------------------------------------------
  const config = defaultConfig();
  const configWhy: string[] = [];
  const firstLine = (pred: (p: Parsed, r: TraceRecord) => boolean) => {
    const i = records.findIndex((r, j) => uses[j].parsed !== null && pred(uses[j].parsed!, r));
    return i < 0 ? null : records[i];
  };
  let maxCpu = -1;
  for (const u of uses) if (u.parsed && u.vcpu !== null) maxCpu = Math.max(maxCpu, u.vcpu);
  // kvm_apic_accept_irq prints the target's vcpu_id (not its APIC ID): a vCPU too.
  for (const u of uses) if (u.parsed?.t === 'accept') maxCpu = Math.max(maxCpu, u.parsed.apicid);
  const kernelBy = firstLine((p) => p.t === 'ioapic_set_irq' || p.t === 'delayed');
  const splitBy =
    firstLine((p) => p.t === 'uexit' && p.reason === 26) ?? firstLine((p) => p.t.startsWith('q_'));
  if (kernelBy) {
    config.irqchip = 'kernel';
    configWhy.push(`irqchip kernel: ${kernelBy.name} at line ${kernelBy.line} (the in-kernel IOAPIC)`);
  } else
    configWhy.push(
      splitBy
        ? `irqchip split: ${splitBy.name} at line ${splitBy.line} (QEMU's IOAPIC in userspace)`
        : 'irqchip split: no IOAPIC tracepoint decides it (the default)',
    );
  const xapicBy = firstLine(
    (p) =>
      (p.t === 'exit' && (p.reason === 'APIC_ACCESS' || p.reason === 'APIC_WRITE')) ||
      (p.t === 'apic' && p.write && (p.reg === 'APIC_LDR' || p.reg === 'APIC_DFR' || p.reg === 'APIC_ID')),
  );
  if (xapicBy) {
    config.apic = 'xapic';
    configWhy.push(`apic xapic: ${xapicBy.name} at line ${xapicBy.line} (an xAPIC MMIO access)`);
  }
  config.vcpus = Math.min(Math.max(maxCpu + 1, 1), MAX_VCPUS);
  configWhy.push(
    maxCpu >= 0
      ? `vcpus ${config.vcpus}: vCPUs 0–${maxCpu} appear (vcpu fields, CPU N/KVM threads, APIC IDs)`
      : 'vcpus 1: no vCPU appears in the trace',
  );
  const apicvBy = firstLine((p) => (p.t === 'exit' && p.reason === 'EOI_INDUCED') || p.t === 'inhibit');
  if (apicvBy) {
    config.apicv = true;
    configWhy.push(`apicv on: ${apicvBy.name} at line ${apicvBy.line}`);
  }
  // Secure AVIC: EOIs reach KVM as VMGEXITs and KVM never injects (the guest's APIC delivers).
  const savicBy = firstLine((p) => p.t === 'exit' && /^vmgexit$/i.test(p.reason));
  if (savicBy && !uses.some((u) => u.parsed?.t === 'inj') && config.apic === 'x2apic') {
    config.secureAvic = true;
    config.apicv = false;
    configWhy.push(`secure-avic on: a VMGEXIT at line ${savicBy.line} and no kvm_inj_virq anywhere`);
  }
  if (config.irqchip === 'split') {
    const seoibBy = firstLine(
      (p) => p.t === 'apic' && p.write && p.reg === 'APIC_SPIV' && (p.value & 0x1000) !== 0,
    );
    const eoiExits = uses.some((u) => u.parsed?.t === 'uexit' && u.parsed.reason === 26);
    const eois = uses.some((u) => u.parsed?.t === 'eoi');
    if (seoibBy && eois && !eoiExits) {
      config.kvm.seoib = 'enabled';
      configWhy.push(
        `kvm seoib=enabled: the guest sets SPIV[12] at line ${seoibBy.line} and no EOI reaches QEMU as KVM_EXIT_IOAPIC_EOI`,
      );
    }
    // QEMU answers a write of its EOI register with an EOI broadcast only as version 0x20 (R6).
    const directed = records.findIndex(
      (_, j) => uses[j].parsed?.t === 'q_mem_write' && (uses[j].parsed as { addr: number }).addr === 0x40,
    );
    if (directed >= 0) {
      const next = records.slice(directed + 1, directed + 6).map((_, k) => uses[directed + 1 + k].parsed?.t);
      if (!next.includes('q_eoi_broadcast')) {
        config.ioapicVersion = 0x11;
        configWhy.push(
          `ioapic version=0x11: the EOI register write at line ${records[directed].line} is not followed by an EOI broadcast`,
        );
      }
    }
  }
  // The storm limit: KVM's and QEMU's is 10000; a trace whose first deferral comes sooner had another.
  const deferral = uses.findIndex((u) => u.parsed?.t === 'delayed' || u.parsed?.t === 'q_delayed_reassert');
  if (deferral >= 0) {
    const before = uses.slice(0, deferral);
    const d = uses[deferral].parsed!;
    let vector = d.t === 'delayed' ? d.vector : -1;
    if (vector < 0) for (const u of before) if (u.parsed?.t === 'q_eoi_broadcast') vector = u.parsed.vector;
    // In split the EOIs that reach QEMU are its broadcasts; in-kernel, the kvm_eoi lines.
    const eoiType = config.irqchip === 'split' ? 'q_eoi_broadcast' : 'eoi';
    const count = before.filter(
      (u) => u.parsed?.t === eoiType && (u.parsed as { vector: number }).vector === vector,
    ).length;
    if (count >= 1 && count < config.kvm.stormLimit) {
      config.kvm.stormLimit = count;
      configWhy.push(
        `kvm storm-limit=${count}: the first storm-limit deferral (line ${records[deferral].line}) comes after ${count} EOIs of vector ${vector}`,
      );
    }
  }
  /** The reason of the last kvm_exit of vCPU C before record i (within its current exit), or null. */
  const exitBefore = (i: number, c: number): string | null => {
    for (let j = i - 1; j >= 0 && j > i - 16; j--) {
      const u = uses[j];
      if (u.vcpu !== c || !u.parsed) continue;
      if (u.parsed.t === 'entry') return null;
      if (u.parsed.t === 'exit') return u.parsed.reason;
    }
    return null;
  };
  // Secure AVIC: an EOI on an EOI-MSR read exit is the RFC handler without the direction check (R10.4 a).
  if (config.secureAvic) {
    const readAsEoi = uses.findIndex(
      (u, j) => u.parsed?.t === 'eoi' && exitBefore(j, u.vcpu ?? u.parsed.apicid) === 'MSR_READ',
    );
    if (readAsEoi >= 0) {
      config.kvm.savicEoiWriteCheck = false;
      configWhy.push(
        `kvm savic-eoi-write-check=off: KVM performs an EOI on an MSR read exit at line ${records[readAsEoi].line}`,
      );
    }
  }
  if (variant) {
    variant.apply(config);
    configWhy.push(variant.why);
  }
  const hasQemuInputs = uses.some((u) => u.parsed?.t === 'q_set_irq');
  const hasKvmApic = uses.some((u) => u.parsed?.t === 'apic');
  const split = config.irqchip === 'split';

  // --- the steps -------------------------------------------------------------------------
  let state = Machine.boot(config, false).state;
  const steps: ImportedStep[] = [];
  interface Pending {
    key: string;
    step: number;
    claimed: boolean;
  }
  let pending: Pending[] = [];
  const eoiWrite = new Set<number>(); // vCPUs whose EOI write has been turned into a step
  let timeMap = { ts: -1, time: 0 };

  const claim = (key: string | null): boolean => {
    if (!key) return false;
    const p = pending.find((x) => !x.claimed && keysMatch(x.key, key));
    if (!p) return false;
    p.claimed = true;
    return true;
  };

  /** The compared keys of the records a candidate is judged on: from `i`, up to the second input-like record. */
  // Records that are always inputs (kvm_set_irq only in kernel mode: in split it is QEMU's output).
  const INPUTISH = new Set([
    'q_set_irq',
    'q_mem_write',
    'mmio',
    'ipi',
    'apic',
    'msr',
    ...(split ? [] : ['set_irq']),
  ]);
  const segmentKeys = (i: number): string[] => {
    const out: string[] = [];
    let inputs = 0;
    for (let j = i; j < records.length && j < i + 32; j++) {
      const u = uses[j];
      if (!u.parsed) continue;
      if (j > i && INPUTISH.has(u.parsed.t) && ++inputs >= 2) break;
      if (u.key) out.push(u.key);
    }
    return out;
  };
  const present = new Set(records.filter((_, i) => uses[i].parsed).map((r) => r.name));
  const score = (events: TraceEvent[], seg: string[]): number => {
    const left = [...seg];
    let matched = 0;
    let extra = 0;
    for (const e of events) {
      const k = present.has(e.type) ? modelKey(e) : null;
      if (!k) continue;
      const at = left.findIndex((x) => keysMatch(x, k));
      if (at >= 0) {
        left.splice(at, 1);
        matched++;
      } else extra++;
    }
    return matched - extra / 2;
  };

  /** Opens IF on vCPU C the way a guest does: returns from its handler, or sti. */
  const openIf = (s: MachineState, cpu: number): Action | null => {
    const v = s.cpus[cpu];
    if (!v || v.rflagsIf) return null;
    return { kind: 'cpu', cpu, op: { op: v.frames.length ? 'iret' : 'sti' } };
  };
  /** The vCPUs the trace injects into soon while the model's guest has IF = 0. */
  const ifVariants = (i: number, base: Action[]): Action[][] => {
    const open = new Set<number>();
    const accepted = new Map<number, Set<number>>(); // vCPU → vectors it accepts in the segment
    const taken = new Set<string>();
    const windowAt = new Set<number>();
    for (let j = i; j < records.length && j < i + 24; j++) {
      const u = uses[j];
      const p = u.parsed;
      // An interrupt-window exit shows where the guest opens IF itself: not before it.
      if (p?.t === 'exit' && u.vcpu !== null && exitClass(p.reason) === 'irq-window') windowAt.add(u.vcpu);
      if (p?.t === 'inj' && u.vcpu !== null && state.cpus[u.vcpu]) {
        taken.add(`${u.vcpu}:${p.vector}`);
        if (!state.cpus[u.vcpu].rflagsIf && !windowAt.has(u.vcpu)) open.add(u.vcpu);
      }
      if (p?.t === 'accept' && state.cpus[p.apicid])
        accepted.set(p.apicid, (accepted.get(p.apicid) ?? new Set()).add(p.vector));
    }
    // A vCPU that accepts an interrupt and, by the trace, does not take it: the guest had IF = 0
    // (or a TPR that held it back; modelled as cli). Not with APICv or Secure AVIC (no injection lines).
    const close = [...accepted]
      .filter(([c, vs]) => {
        const v = state.cpus[c];
        return v.rflagsIf && !v.apicvActive && !v.savic && ![...vs].some((x) => taken.has(`${c}:${x}`));
      })
      .map(([c]) => c)
      .sort((a, b) => a - b);
    const opens = [...open].sort((a, b) => a - b).map((c) => openIf(state, c)!);
    const closes: Action[] = close.map((c) => ({ kind: 'cpu', cpu: c, op: { op: 'cli' } }));
    const out = [base];
    if (opens.length) out.push([...opens, ...base]);
    if (closes.length) out.push([...closes, ...base]);
    if (opens.length && closes.length) out.push([...opens, ...closes, ...base]);
    return out;
  };

  /** A `wait` when a storm-limit deferral falls due before record i (the trace was quiet meanwhile). */
  const dueWait = (i: number): Action | null => {
    const r = records[i];
    if (state.ioapic.deferredAt < 0 || timeMap.ts < 0 || r.ts < 0) return null;
    const dueTs = timeMap.ts + (state.ioapic.deferredAt - timeMap.time);
    if (r.ts < dueTs) return null;
    return { kind: 'wait', ns: Math.max(state.ioapic.deferredAt - state.time - 1000, 0) };
  };
  /**
   * Appends the best candidate's actions as steps made from record i. With `explain`, record i
   * is an output the model missed and the actions are kept only if the model then produces it.
   */
  const commit = (
    i: number,
    cands: Action[][],
    inferred: string | null,
    input = true,
    explain = false,
  ): boolean => {
    const r = records[i];
    const wait = dueWait(i);
    // The guest's own IF changes (the fixes in front) happened before the quiet time ran out.
    const isFix = (a: Action) =>
      a.kind === 'cpu' && (a.op.op === 'iret' || a.op.op === 'sti' || a.op.op === 'cli');
    if (wait)
      cands = cands.map((c) => {
        const at = c.findIndex((a) => !isFix(a));
        const k = at < 0 ? c.length : at;
        return [...c.slice(0, k), wait, ...c.slice(k)];
      });
    let best = 0;
    let sims = cands.map((c) => (cands.length > 1 ? simulate(state, c) : null));
    if (cands.length > 1) {
      const seg = segmentKeys(i);
      let bestScore = Number.NEGATIVE_INFINITY;
      sims.forEach((s, k) => {
        const sc = score(s!.events, seg);
        if (sc > bestScore) {
          bestScore = sc;
          best = k;
        }
      });
    } else sims = [simulate(state, cands[0])];
    const chosen = sims[best]!;
    const own = uses[i].key;
    if (
      explain &&
      !chosen.events.some((e) => {
        const k = modelKey(e);
        return k !== null && own !== null && keysMatch(k, own);
      })
    )
      return false;
    const stepBase = steps.length;
    cands[best].forEach((action, k) => {
      const reopens = action.kind === 'cpu' && (action.op.op === 'iret' || action.op.op === 'sti');
      const closes = action.kind === 'cpu' && action.op.op === 'cli';
      steps.push({
        action,
        record: i,
        line: r.line,
        inferred:
          action.kind === 'wait'
            ? 'a storm-limit deferral falls due before this line'
            : reopens && k < cands[best].length - 1
              ? 'the guest had re-enabled interrupts before this line'
              : closes
                ? 'the trace shows the interrupt accepted but not taken: IF was 0 (or TPR held it back)'
                : action.kind === 'deassert' && k < cands[best].length - 1
                  ? 'the line had dropped unseen (KVM does not see a split-irqchip line fall): no re-injection follows'
                  : inferred,
      });
    });
    state = chosen.state;
    const latest = steps.length - 1;
    pending = pending.filter((p) => !p.claimed && p.step >= latest - 3);
    for (const e of chosen.events) {
      const k = present.has(e.type) ? modelKey(e) : null;
      if (k) pending.push({ key: k, step: stepBase, claimed: false });
    }
    if (r.ts >= 0) timeMap = { ts: r.ts, time: state.time };
    if (!input) return true;
    uses[i].role = 'input';
    claim(uses[i].key); // the input's own echo in the model
    return true;
  };
  const skip = (i: number, reason: string) => {
    uses[i].role = 'skipped';
    uses[i].reason = reason;
  };

  /** The RTE a later line prints for this pin (kernel: kvm_ioapic_set_irq; split: the GSI's MSI route). */
  const rteHint = (i: number, pin: number): Action | null => {
    for (let j = i; j < records.length && j < i + 48; j++) {
      const p = uses[j].parsed;
      if (!p) continue;
      if (p.t === 'ioapic_set_irq' && p.pin === pin && p.dm <= 1) return rteAction(pin, p);
      if (p.t === 'set_irq' && p.gsi === pin && p.level === 1 && split) {
        for (let k = j + 1; k < records.length && k < j + 6; k++) {
          const q = uses[k].parsed;
          if (q?.t === 'msi')
            return q.dm <= 1 || q.rh
              ? rteAction(pin, { ...q, dm: q.dm === 1 || q.rh ? 1 : 0, masked: false })
              : null;
          if (q?.t === 'set_irq') break;
        }
      }
    }
    return null;
  };
  const withRoute = (i: number, pin: number, action: Action): { actions: Action[]; routed: boolean } => {
    const r = rteHint(i, pin);
    return r && routeDiffers(state, r)
      ? { actions: [r, action], routed: true }
      : { actions: [action], routed: false };
  };

  // PV EOI the guest enabled before the trace began.
  const pvOn = new Set<number>();
  uses.forEach((u, i) => {
    const p = u.parsed;
    if (p?.t === 'msr' && p.msr === MSR_KVM_PV_EOI_EN && u.vcpu !== null) pvOn.add(u.vcpu);
    if (p?.t === 'pv_eoi' && u.vcpu !== null && !pvOn.has(u.vcpu) && state.cpus[u.vcpu]) {
      pvOn.add(u.vcpu);
      const s = simulate(state, [{ kind: 'cpu', cpu: u.vcpu, op: { op: 'pv-eoi', on: true } }]);
      state = s.state;
      steps.push({
        action: { kind: 'cpu', cpu: u.vcpu, op: { op: 'pv-eoi', on: true } },
        record: 0,
        line: records[i].line,
        inferred: `kvm_pv_eoi on vCPU ${u.vcpu}: its guest enabled PV EOI before the trace began`,
      });
    }
  });

  /**
   * Before an EOI of `vector`: a level line the model still has high may have dropped unseen (in
   * split KVM never sees a line fall; the handler serviced the device). The variant with the
   * line low wins when the trace shows no re-injection after the EOI.
   */
  const serviceVariants = (cands: Action[][], vector: number | null): Action[][] => {
    if (vector === null || hasQemuInputs || !split) return cands;
    const io = state.ioapic;
    const pins = io.rte
      .map((e, pin) => ({ e, pin }))
      .filter(({ e, pin }) => e.vector === vector && e.trigger === 1 && (io.line >> pin) & 1)
      .map(({ pin }) => pin);
    if (!pins.length) return cands;
    const drops: Action[] = pins.map((pin) => ({ kind: 'deassert', pin }));
    return cands.flatMap((c) => [c, [...drops, ...c]]);
  };
  /** The vector the next kvm_eoi of vCPU C reports (an EOI write's vector), or null. */
  const nextEoiVector = (i: number, c: number): number | null => {
    for (let j = i + 1; j < records.length && j < i + 8; j++) {
      const u = uses[j];
      if (u.parsed?.t === 'eoi' && (u.vcpu ?? u.parsed.apicid) === c) return u.parsed.vector;
      if (u.parsed?.t === 'entry' && u.vcpu === c) return null;
    }
    return null;
  };
  /**
   * A kvm_ioapic_set_irq that delivered nothing does not say its level (R5.3: KVM traces both).
   * Read each such line as a change of level, unless that leaves the line at the next EOI of its
   * vector other than what the trace shows then (a re-injection after the EOI: high; none: low).
   */
  const levelToggles = (i: number, pin: number, vector: number, high: boolean): boolean => {
    let n = 0;
    for (let j = i + 1; j < records.length; j++) {
      const p = uses[j].parsed;
      if (!p) continue;
      if (p.t === 'ioapic_set_irq' && p.pin === pin) n++;
      if (p.t === 'set_irq' && p.gsi === pin) return true; // the trace says the levels from here
      if (p.t === 'eoi' && p.vector === vector) {
        let reinjected = false;
        for (let k = j + 1; k < records.length && k < j + 8; k++) {
          const q = uses[k].parsed;
          if (q?.t === 'accept' && q.vector === vector) reinjected = true;
          if (q?.t === 'ioapic_set_irq' || q?.t === 'set_irq' || q?.t === 'eoi') break;
        }
        const toggledEnd = (n + 1) % 2 === 1 ? !high : high;
        return toggledEnd === reinjected;
      }
    }
    return true;
  };
  const hasQemuMmio = uses.some((u) => u.parsed?.t === 'q_mem_write');
  let mmioRegsel = 0;
  /** A guest write of an IOAPIC register (QEMU's ioapic_mem_write or KVM's kvm_mmio): IOWIN halves and the EOI register. */
  const ioapicWrite = (i: number, addr: number, regsel: number, value: number, cpu: number) => {
    if (addr === 0x40) {
      commit(i, [[{ kind: 'cpu', cpu, op: { op: 'ioapic-eoi', value } }]], null);
      return;
    }
    if (addr !== 0x10 || regsel < 0x10) {
      if (addr !== 0x00) skip(i, 'an IOAPIC register that is not modelled');
      return;
    }
    const pin = (regsel - 0x10) >> 1;
    if (pin >= NUM_PINS) {
      skip(i, `RTE ${pin} is out of range`);
      return;
    }
    const dm = (value >>> 8) & 7;
    if (!(regsel & 1) && dm > 1) {
      skip(i, `RTE delivery mode ${DM_NAMES[dm]} is not modelled`);
      return;
    }
    const fields: Partial<RteFields> =
      regsel & 1
        ? { dest: value >>> 24 }
        : {
            vector: value & 0xff,
            deliveryMode: dm as 0 | 1,
            destMode: ((value >>> 11) & 1) as 0 | 1,
            polarity: ((value >>> 13) & 1) as 0 | 1,
            trigger: ((value >>> 15) & 1) as 0 | 1,
            mask: ((value >>> 16) & 1) as 0 | 1,
          };
    commit(i, ifVariants(i, [{ kind: 'route', pin, fields }]), null);
  };

  for (let i = 0; i < records.length; i++) {
    const u = uses[i];
    const p = u.parsed;
    if (!p) continue;
    if (dueWait(i)) commit(i, ifVariants(i, []), null, false);
    if (claim(u.key)) continue; // the model already did it: an output
    const cpu = u.vcpu;
    const cpuOk = cpu !== null && cpu < config.vcpus;
    switch (p.t) {
      case 'set_irq': {
        if (p.gsi >= NUM_PINS) break; // an MSI route's GSI: its kvm_msi_set_irq is the input
        if (!split) {
          const { actions, routed } = withRoute(i, p.gsi, {
            kind: p.level ? 'assert' : 'deassert',
            pin: p.gsi,
          });
          commit(
            i,
            ifVariants(i, actions),
            routed ? 'RTE from the kvm_ioapic_set_irq line that follows' : null,
          );
        } else if (p.level === 1 && !hasQemuInputs) {
          const hint = rteHint(i, p.gsi);
          const trig = hint?.kind === 'route' ? hint.fields.trigger : state.ioapic.rte[p.gsi].trigger;
          const main: Action = { kind: trig === 0 ? 'pulse' : 'assert', pin: p.gsi };
          const routed = hint && routeDiffers(state, hint) ? [hint] : [];
          const high = (state.ioapic.line >> p.gsi) & 1;
          const cands =
            trig === 1 && high
              ? [
                  [...routed, { kind: 'deassert', pin: p.gsi } as Action, main],
                  [...routed, main],
                ]
              : [[...routed, main]];
          commit(
            i,
            cands.flatMap((c) => ifVariants(i, c)),
            'QEMU serviced the pin: the device raised its line (the RTE from the MSI route that follows)',
          );
        }
        break;
      }
      case 'ioapic_set_irq': {
        if (p.dm > 1) {
          skip(i, `RTE delivery mode ${DM_NAMES[p.dm]} is not modelled`);
          break;
        }
        const route = rteAction(p.pin, p);
        const pre = routeDiffers(state, route) ? [route] : [];
        const high = (state.ioapic.line >> p.pin) & 1;
        const up: Action[] = [...pre, { kind: 'assert', pin: p.pin }];
        const down: Action[] = [...pre, { kind: 'deassert', pin: p.pin }];
        const toggleFirst = levelToggles(i, p.pin, p.vector, high === 1);
        const cands = p.coalesced ? [up] : (high === 1) === toggleFirst ? [down, up] : [up, down];
        commit(
          i,
          cands.flatMap((c) => ifVariants(i, c)),
          'kvm_ioapic_set_irq without its kvm_set_irq: the level is the reading that matches what follows',
        );
        break;
      }
      case 'msi': {
        const lowest = p.dm === 1 || p.rh;
        if (p.dm > 1) {
          skip(i, `MSI delivery mode ${DM_NAMES[p.dm]} is not modelled`);
          break;
        }
        commit(
          i,
          ifVariants(i, [
            {
              kind: 'msi',
              dest: p.dest >>> 0,
              vector: p.vector,
              destMode: p.destMode as 0 | 1,
              deliveryMode: lowest ? 1 : 0,
              trigger: p.trigger as 0 | 1,
            },
          ]),
          null,
        );
        break;
      }
      case 'ipi': {
        if (!cpuOk) {
          skip(i, 'the sending vCPU is unknown');
          break;
        }
        if (p.dm > 1) {
          skip(i, `IPI delivery mode ${DM_NAMES[p.dm]} is not modelled`);
          break;
        }
        if (config.apic === 'xapic' && p.dest > 0xff && p.shorthand === 0) {
          skip(i, 'an xAPIC IPI destination above 0xff');
          break;
        }
        commit(
          i,
          ifVariants(i, [
            {
              kind: 'ipi',
              from: cpu,
              vector: p.vector,
              dest: p.shorthand ? 0 : p.dest,
              destMode: p.destMode as 0 | 1,
              deliveryMode: p.dm as 0 | 1,
              shorthand: p.shorthand as 0 | 1 | 2 | 3,
            },
          ]),
          null,
        );
        break;
      }
      case 'eoi': {
        const c = cpu ?? p.apicid;
        if (eoiWrite.has(c) || c >= config.vcpus || p.vector < 0) break; // the write already made the step
        const v = state.cpus[c];
        const pre: Action[] = [];
        if (!bitmapTest(v.isr, p.vector) && bitmapTest(v.irr, p.vector) && !v.rflagsIf)
          pre.push(openIf(state, c)!);
        const eoi: Action =
          config.secureAvic && exitBefore(i, c) === 'MSR_READ'
            ? { kind: 'cpu', cpu: c, op: { op: 'rdmsr-eoi' } }
            : { kind: 'cpu', cpu: c, op: { op: 'eoi' } };
        const pv = records
          .slice(i + 1, i + 5)
          .some((_, k) => uses[i + 1 + k].parsed?.t === 'pv_eoi' && uses[i + 1 + k].vcpu === c);
        const cands = pv
          ? [
              [...pre, eoi, { kind: 'cpu', cpu: c, op: { op: 'exit' } } as Action],
              [...pre, eoi],
            ]
          : [[...pre, eoi]];
        commit(
          i,
          serviceVariants(cands, p.vector).flatMap((x) => ifVariants(i, x)),
          pv ? 'KVM applied a PV EOI at an exit: the guest EOI was elided earlier' : null,
        );
        break;
      }
      case 'pv_eoi':
      case 'accept':
      case 'uexit':
      case 'delayed':
      case 'q_clear_remote_irr':
      case 'q_eoi_broadcast':
      case 'q_delayed_reassert':
      case 'q_set_remote_irr':
      case 'entry':
        if (p.t === 'entry' && cpu !== null) eoiWrite.delete(cpu);
        break;
      case 'inj':
        if (p.soft) skip(i, 'a software interrupt (INTn) is not modelled');
        else if (p.reinjected) skip(i, 're-injection of an interrupted event delivery is not modelled');
        else if (cpuOk) {
          // KVM injects and the model would not: the guest opened IF, or EOI'd what blocked it
          // (with APICv its EOIs need not exit, so the trace does not show them).
          const v = state.cpus[cpu];
          const open = openIf(state, cpu);
          const cands: Action[][] = open ? [[open]] : [];
          const eoiUnseen = v.apicvActive || !present.has('kvm_eoi');
          if (eoiUnseen && bitmapHighest(v.isr) >= 0 && bitmapTest(v.irr, p.vector))
            cands.push([{ kind: 'cpu', cpu, op: { op: 'eoi' } }, ...(open ? [open] : [])]);
          if (cands.length)
            commit(
              i,
              cands,
              "KVM injects here: the guest had re-enabled interrupts (or EOI'd what held it back)",
              true,
              true,
            );
        }
        break;
      case 'exit':
        if (cpu !== null) eoiWrite.delete(cpu);
        if (exitClass(p.reason) === 'irq-window' && cpuOk && openIf(state, cpu))
          commit(
            i,
            [[openIf(state, cpu)!]],
            'an interrupt-window exit: the guest opened IF here',
            true,
            true,
          );
        else if (exitClass(p.reason) === 'tpr-threshold' && cpuOk && state.cpus[cpu].tprThreshold > 0) {
          // The guest lowered TPR below the threshold; the value is not traced: each value below it is tried.
          const t = state.cpus[cpu].tprThreshold;
          const cands: Action[][] = [];
          for (let c = 0; c < t; c++) cands.push([{ kind: 'cpu', cpu, op: { op: 'tpr', value: c << 4 } }]);
          commit(
            i,
            cands,
            'a TPR-threshold exit: the guest lowered TPR (the value is not traced; the one that matches what follows)',
          );
        }
        break;
      case 'apic': {
        if (!p.write) {
          skip(i, 'a register read');
          break;
        }
        if (!cpuOk) {
          skip(i, 'the vCPU is unknown');
          break;
        }
        const op =
          p.reg === 'APIC_EOI'
            ? ({ op: 'eoi' } as const)
            : p.reg === 'APIC_TASKPRI'
              ? ({ op: 'tpr', value: p.value & 0xff } as const)
              : p.reg === 'APIC_SPIV'
                ? ({ op: 'spiv', value: p.value } as const)
                : p.reg === 'APIC_ID'
                  ? ({ op: 'apic-id', value: p.value } as const)
                  : p.reg === 'APIC_LDR'
                    ? ({ op: 'ldr', value: p.value } as const)
                    : p.reg === 'APIC_DFR'
                      ? ({ op: 'dfr', value: p.value } as const)
                      : null;
        if (p.reg === 'APIC_ICR' || p.reg === 'APIC_ICR2') break; // kvm_apic_ipi carries the IPI
        if (!op) {
          skip(i, `${p.reg} is not modelled`);
          break;
        }
        if (op.op === 'eoi') eoiWrite.add(cpu);
        const base: Action[][] = [[{ kind: 'cpu', cpu, op }]];
        commit(
          i,
          (op.op === 'eoi' ? serviceVariants(base, nextEoiVector(i, cpu)) : base).flatMap((x) =>
            ifVariants(i, x),
          ),
          null,
        );
        break;
      }
      case 'msr': {
        if (!p.write || p.gp) {
          skip(i, p.gp ? 'an MSR access that faulted' : 'an MSR read');
          break;
        }
        if (!cpuOk) {
          skip(i, 'the vCPU is unknown');
          break;
        }
        if (p.msr === MSR_KVM_PV_EOI_EN)
          commit(i, [[{ kind: 'cpu', cpu, op: { op: 'pv-eoi', on: (p.value & 1) === 1 } }]], null);
        else if (p.msr === X2APIC_EOI_MSR && !hasKvmApic) {
          eoiWrite.add(cpu);
          commit(i, ifVariants(i, [{ kind: 'cpu', cpu, op: { op: 'eoi' } }]), null);
        } else if (p.msr === X2APIC_TPR_MSR && !hasKvmApic)
          commit(i, [[{ kind: 'cpu', cpu, op: { op: 'tpr', value: p.value & 0xff } }]], null);
        else if (p.msr !== X2APIC_EOI_MSR && p.msr !== X2APIC_TPR_MSR)
          skip(i, `MSR 0x${p.msr.toString(16)} is not modelled`);
        break;
      }
      case 'q_set_irq': {
        if (p.pin >= NUM_PINS) {
          skip(i, `pin ${p.pin} is out of range`);
          break;
        }
        const { actions, routed } = withRoute(i, p.pin, {
          kind: p.level ? 'assert' : 'deassert',
          pin: p.pin,
        });
        commit(i, ifVariants(i, actions), routed ? 'RTE from the MSI route QEMU delivers next' : null);
        break;
      }
      case 'q_mem_write':
        ioapicWrite(i, p.addr, p.regsel, p.value, cpuOk ? cpu : 0);
        break;
      case 'mmio': {
        if (!p.write) {
          skip(i, 'an MMIO read');
          break;
        }
        const off = p.gpa - IOAPIC_BASE;
        if (off >= 0 && off < 0x1000) {
          // QEMU's ioapic_mem_write, when traced, says the same: read it instead.
          if (hasQemuMmio) break;
          if ((off & 0xff) === 0x00) mmioRegsel = p.value & 0xff;
          else ioapicWrite(i, off & 0xff, mmioRegsel, p.value, cpuOk ? cpu : 0);
          break;
        }
        const lapic = p.gpa - 0xfee00000;
        if (!hasKvmApic && cpuOk && (lapic === 0xb0 || lapic === 0x80)) {
          if (lapic === 0xb0) eoiWrite.add(cpu);
          commit(
            i,
            ifVariants(i, [
              { kind: 'cpu', cpu, op: lapic === 0xb0 ? { op: 'eoi' } : { op: 'tpr', value: p.value & 0xff } },
            ]),
            null,
          );
          break;
        }
        skip(i, 'an MMIO write to neither the IOAPIC nor the LAPIC EOI or TPR register');
        break;
      }
    }
  }
  return { trace, config, configWhy, steps, uses, msiFormat };
}
