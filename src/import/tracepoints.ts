/**
 * The fields of the tracepoints apicscope reads, from their TP_printk text: KVM's
 * include/trace/events/kvm.h and arch/x86/kvm/trace.h (old and new formats where they changed)
 * and QEMU's hw/intc/trace-events. The same parser reads the model's own events, so that trace
 * and model are compared in one normal form (`eventKey`). Pure: no Node APIs.
 */

export type Parsed =
  | { t: 'set_irq'; gsi: number; level: number; source: number }
  | {
      t: 'ioapic_set_irq';
      pin: number;
      dest: number;
      vector: number;
      dm: number;
      destMode: number;
      trigger: number;
      masked: boolean;
      coalesced: boolean;
    }
  | {
      t: 'msi';
      dest: number;
      vector: number;
      dm: number;
      destMode: number;
      trigger: number;
      rh: boolean;
      /** The reading under the other format when the text allows both (`dst %u vec %x` / `dst %llx vec %u`). */
      alt: { dest: number; vector: number } | null;
    }
  | { t: 'accept'; apicid: number; vector: number; dm: number; trigger: number }
  | {
      t: 'ipi';
      dest: number;
      vector: number;
      dm: number;
      destMode: number;
      trigger: number;
      shorthand: number;
    }
  | { t: 'eoi'; apicid: number; vector: number }
  | { t: 'pv_eoi'; apicid: number; vector: number }
  | { t: 'inj'; vector: number; soft: boolean; reinjected: boolean }
  | { t: 'uexit'; reason: number; name: string }
  | { t: 'exit'; vcpu: number | null; reason: string }
  | { t: 'entry'; vcpu: number | null }
  | { t: 'apic'; write: boolean; reg: string; value: number }
  | {
      t: 'delayed';
      dest: number;
      vector: number;
      dm: number;
      destMode: number;
      trigger: number;
      masked: boolean;
    }
  | { t: 'msr'; write: boolean; msr: number; value: number; gp: boolean }
  | { t: 'inhibit'; set: boolean; reason: number; inhibits: number }
  | { t: 'mmio'; write: boolean; len: number; gpa: number; value: number }
  | { t: 'q_set_irq'; pin: number; level: number }
  | { t: 'q_set_remote_irr'; pin: number }
  | { t: 'q_clear_remote_irr'; pin: number; vector: number }
  | { t: 'q_eoi_broadcast'; vector: number }
  | { t: 'q_delayed_reassert'; pin: number }
  | { t: 'q_mem_write'; addr: number; regsel: number; size: number; value: number };

/** The tracepoints read (issue 10 §3), plus kvm_msr (the PV EOI MSR), kvm_mmio (guest IOAPIC writes) and kvm_apicv_inhibit_changed. */
export const KNOWN_TRACEPOINTS = new Set([
  'kvm_set_irq',
  'kvm_ioapic_set_irq',
  'kvm_msi_set_irq',
  'kvm_apic_accept_irq',
  'kvm_apic_ipi',
  'kvm_eoi',
  'kvm_pv_eoi',
  'kvm_inj_virq',
  'kvm_userspace_exit',
  'kvm_exit',
  'kvm_entry',
  'kvm_apic',
  'kvm_ioapic_delayed_eoi_inj',
  'kvm_msr',
  'kvm_apicv_inhibit_changed',
  'kvm_mmio',
  'ioapic_set_irq',
  'ioapic_set_remote_irr',
  'ioapic_clear_remote_irr',
  'ioapic_eoi_broadcast',
  'ioapic_eoi_delayed_reassert',
  'ioapic_mem_write',
]);

const DM = ['Fixed', 'LowPrio', 'SMI', 'Res3', 'NMI', 'INIT', 'SIPI', 'ExtINT'];
const SHORTHANDS = ['dst', 'self', 'all', 'all-but-self'];

/** `(Fixed|physical|level|masked)`-style flags. */
function flags(s: string): { dm: number; destMode: number; trigger: number; rest: string[] } | null {
  const parts = s.split('|').map((p) => p.trim());
  const dm = DM.indexOf(parts[0]);
  if (dm < 0) return null;
  const destMode = parts.includes('logical') ? 1 : parts.includes('physical') ? 0 : -1;
  const trigger = parts.includes('level') ? 1 : parts.includes('edge') ? 0 : -1;
  return { dm, destMode, trigger, rest: parts };
}

const int = (s: string) => Number.parseInt(s, 10);
const hexn = (s: string) => Number.parseInt(s.replace(/^0x/i, ''), 16);

/** How `kvm_msi_set_irq` prints: before 2020 `dst %u vec %x`, since then `dst %llx vec %u`. */
export type MsiFormat = 'old' | 'new';

export function parseFields(name: string, body: string, msiFormat: MsiFormat = 'new'): Parsed | null {
  const b = body.replace(/\s+/g, ' ').trim();
  let m: RegExpExecArray | null;
  switch (name) {
    case 'kvm_set_irq':
      m = /^gsi (\d+) level (-?\d+) source (-?\d+)/.exec(b);
      return m ? { t: 'set_irq', gsi: int(m[1]), level: int(m[2]) ? 1 : 0, source: int(m[3]) } : null;
    case 'kvm_ioapic_set_irq': {
      m = /^pin (\d+) dst ([0-9a-f]+) vec[= ](\d+) \(([^)]*)\)( \(coalesced\))?/i.exec(b);
      const f = m && flags(m[4]);
      if (!m || !f || f.destMode < 0 || f.trigger < 0) return null;
      return {
        t: 'ioapic_set_irq',
        pin: int(m[1]),
        dest: hexn(m[2]),
        vector: int(m[3]) & 0xff,
        dm: f.dm,
        destMode: f.destMode,
        trigger: f.trigger,
        masked: f.rest.includes('masked'),
        coalesced: m[5] !== undefined,
      };
    }
    case 'kvm_msi_set_irq': {
      m = /^dst ([0-9a-fx]+) vec ([0-9a-fx]+) \(([^)]*)\)/i.exec(b);
      const f = m && flags(m[3]);
      if (!m || !f || f.destMode < 0 || f.trigger < 0) return null;
      const [d, v] = [m[1].replace(/^0x/i, ''), m[2].replace(/^0x/i, '')];
      const oldOk = /^\d+$/.test(d) && int(d) <= 0xff && hexn(v) <= 0xff;
      const newOk = /^\d+$/.test(v) && int(v) <= 0xff;
      const old = { dest: int(d), vector: hexn(v) };
      const cur = { dest: hexn(d), vector: int(v) };
      if (!oldOk && !newOk) return null;
      const useOld = oldOk && (msiFormat === 'old' || !newOk);
      const pick = useOld ? old : cur;
      const other = useOld ? (newOk ? cur : null) : oldOk ? old : null;
      return {
        t: 'msi',
        ...pick,
        dm: f.dm,
        destMode: f.destMode,
        trigger: f.trigger,
        rh: f.rest.includes('rh'),
        alt: other && (other.dest !== pick.dest || other.vector !== pick.vector) ? other : null,
      };
    }
    case 'kvm_apic_accept_irq': {
      m = /^apicid ([0-9a-f]+) vec (\d+) \(([^)]*)\)/i.exec(b);
      const f = m && flags(m[3]);
      if (!m || !f || f.trigger < 0) return null;
      return { t: 'accept', apicid: hexn(m[1]), vector: int(m[2]) & 0xff, dm: f.dm, trigger: f.trigger };
    }
    case 'kvm_apic_ipi': {
      m = /^dst ([0-9a-f]+) vec (\d+) \(([^)]*)\)/i.exec(b);
      const f = m && flags(m[3]);
      if (!m || !f || f.destMode < 0 || f.trigger < 0) return null;
      const sh = SHORTHANDS.findIndex(
        (n) => f.rest.at(-1) === n || (n === 'all-but-self' && f.rest.at(-1) === 'others'),
      );
      return {
        t: 'ipi',
        dest: hexn(m[1]),
        vector: int(m[2]) & 0xff,
        dm: f.dm,
        destMode: f.destMode,
        trigger: f.trigger,
        shorthand: Math.max(sh, 0),
      };
    }
    case 'kvm_eoi':
    case 'kvm_pv_eoi':
      m = /^apicid ([0-9a-f]+) vector (-?\d+)/i.exec(b);
      return m ? { t: name === 'kvm_eoi' ? 'eoi' : 'pv_eoi', apicid: hexn(m[1]), vector: int(m[2]) } : null;
    case 'kvm_inj_virq':
      // new: "IRQ 0x62", "Soft/INTn 0x80 [reinjected]"; old: "irq 98"
      m = /^(IRQ|Soft\/INTn) 0x([0-9a-f]+)( \[reinjected\])?/i.exec(b);
      if (m && m[1] !== 'irq')
        return { t: 'inj', vector: hexn(m[2]) & 0xff, soft: m[1] !== 'IRQ', reinjected: m[3] !== undefined };
      m = /^irq (\d+)/.exec(b);
      return m ? { t: 'inj', vector: int(m[1]) & 0xff, soft: false, reinjected: false } : null;
    case 'kvm_userspace_exit':
      m = /^reason (\S+) \((-?\d+)\)/.exec(b);
      return m
        ? { t: 'uexit', name: m[1], reason: m[1] === 'restart' || m[1] === 'error' ? -1 : int(m[2]) }
        : null;
    case 'kvm_exit':
      // 5.13+: "vcpu %u reason %s…"; before: "reason %s rip 0x%lx info …"
      m = /^(?:vcpu (\d+) )?reason ([A-Za-z_0-9]+)/.exec(b);
      return m ? { t: 'exit', vcpu: m[1] !== undefined ? int(m[1]) : null, reason: m[2] } : null;
    case 'kvm_entry':
      m = /^vcpu (\d+)/.exec(b);
      return m ? { t: 'entry', vcpu: int(m[1]) } : null;
    case 'kvm_apic':
      m = /^apic_(read|write) (\S+) = (0x[0-9a-f]+)/i.exec(b);
      return m ? { t: 'apic', write: m[1] === 'write', reg: m[2], value: hexn(m[3]) >>> 0 } : null;
    case 'kvm_ioapic_delayed_eoi_inj': {
      m = /^dst ([0-9a-f]+) vec[= ](\d+) \(([^)]*)\)/i.exec(b);
      const f = m && flags(m[3]);
      if (!m || !f || f.destMode < 0 || f.trigger < 0) return null;
      return {
        t: 'delayed',
        dest: hexn(m[1]),
        vector: int(m[2]) & 0xff,
        dm: f.dm,
        destMode: f.destMode,
        trigger: f.trigger,
        masked: f.rest.includes('masked'),
      };
    }
    case 'kvm_msr':
      m = /^msr_(read|write) ([0-9a-f]+) = 0x([0-9a-f]+)( \(#GP\))?/i.exec(b);
      return m
        ? { t: 'msr', write: m[1] === 'write', msr: hexn(m[2]), value: hexn(m[3]), gp: m[4] !== undefined }
        : null;
    case 'kvm_mmio':
      m = /^mmio (write|read|unsatisfied-read) len (\d+) gpa 0x([0-9a-f]+) val 0x([0-9a-f]+)/i.exec(b);
      return m
        ? {
            t: 'mmio',
            write: m[1] === 'write',
            len: int(m[2]),
            gpa: hexn(m[3]),
            value: hexn(m[4].slice(-8)) >>> 0,
          }
        : null;
    case 'kvm_apicv_inhibit_changed':
      m = /^(set|cleared) reason=(\d+), inhibits=0x([0-9a-f]+)/.exec(b);
      return m ? { t: 'inhibit', set: m[1] === 'set', reason: int(m[2]), inhibits: hexn(m[3]) } : null;
    case 'ioapic_set_irq':
      m = /^vector: (\d+) level: (\d+)/.exec(b);
      return m ? { t: 'q_set_irq', pin: int(m[1]), level: int(m[2]) ? 1 : 0 } : null;
    case 'ioapic_set_remote_irr':
      m = /^set remote irr for pin (\d+)/i.exec(b);
      return m ? { t: 'q_set_remote_irr', pin: int(m[1]) } : null;
    case 'ioapic_clear_remote_irr':
      m = /^clear remote irr for (?:pin|GSI) (\d+) vector (\d+)/i.exec(b);
      return m ? { t: 'q_clear_remote_irr', pin: int(m[1]), vector: int(m[2]) } : null;
    case 'ioapic_eoi_broadcast':
      m = /^EOI broadcast for vector (\d+)/i.exec(b);
      return m ? { t: 'q_eoi_broadcast', vector: int(m[1]) } : null;
    case 'ioapic_eoi_delayed_reassert':
      // QEMU passes the pin, though its format calls it a vector.
      m = /^delayed reassert on EOI broadcast for (?:vector|pin) (\d+)/i.exec(b);
      return m ? { t: 'q_delayed_reassert', pin: int(m[1]) } : null;
    case 'ioapic_mem_write':
      m =
        /^ioapic mem write addr 0x([0-9a-f]+) regsel: 0x([0-9a-f]+) size 0x([0-9a-f]+) val 0x([0-9a-f]+)/i.exec(
          b,
        );
      return m
        ? {
            t: 'q_mem_write',
            addr: hexn(m[1]),
            regsel: hexn(m[2]),
            size: hexn(m[3]),
            value: hexn(m[4]) >>> 0,
          }
        : null;
    default:
      return null;
  }
}

/** What a `kvm_exit` reason means for interrupt delivery; null for reasons the model does not compare. */
export function exitClass(reason: string): 'eoi-induced' | 'irq-window' | 'tpr-threshold' | null {
  switch (reason) {
    case 'EOI_INDUCED':
      return 'eoi-induced';
    case 'PENDING_INTERRUPT':
    case 'INTERRUPT_WINDOW':
    case 'vintr':
      return 'irq-window';
    case 'TPR_BELOW_THRESHOLD':
      return 'tpr-threshold';
    default:
      return null;
  }
}

/** kvm_apic registers the model writes and traces itself (the others are inputs only). */
const COMPARED_APIC_REGS = new Set(['APIC_SPIV', 'APIC_ID', 'APIC_LDR', 'APIC_DFR']);

export const KVM_EXIT_IOAPIC_EOI = 26;

/**
 * The normal form trace lines and model events are compared in, or null for lines that are
 * not compared (inputs, context, reasons the model does not produce). `vcpu` is the vCPU the
 * line belongs to (-1 / null when none).
 */
export function eventKey(p: Parsed, vcpu: number | null): string | null {
  const c = vcpu ?? -1;
  switch (p.t) {
    case 'set_irq':
      return p.level ? `kvm_set_irq gsi=${p.gsi}` : null;
    case 'ioapic_set_irq':
      return `kvm_ioapic_set_irq pin=${p.pin} vec=${p.vector} dst=${p.dest} dm=${p.dm} logical=${p.destMode} level=${p.trigger} masked=${+p.masked}`;
    case 'msi':
      return `kvm_msi_set_irq dst=${p.dest} vec=${p.vector} level=${p.trigger}`;
    case 'accept':
      return `kvm_apic_accept_irq apicid=${p.apicid} vec=${p.vector} level=${p.trigger}`;
    case 'ipi':
      return `kvm_apic_ipi vcpu=${c} dst=${p.dest} vec=${p.vector} sh=${p.shorthand}`;
    case 'eoi':
      return `kvm_eoi apicid=${p.apicid} vec=${p.vector}`;
    case 'pv_eoi':
      return `kvm_pv_eoi apicid=${p.apicid} vec=${p.vector}`;
    case 'inj':
      return p.soft || p.reinjected ? null : `kvm_inj_virq vcpu=${c} vec=${p.vector}`;
    case 'uexit':
      return p.reason === KVM_EXIT_IOAPIC_EOI ? `kvm_userspace_exit vcpu=${c} reason=26` : null;
    case 'exit': {
      const k = exitClass(p.reason);
      return k ? `kvm_exit vcpu=${p.vcpu ?? c} ${k}` : null;
    }
    case 'apic':
      return p.write && COMPARED_APIC_REGS.has(p.reg)
        ? `kvm_apic vcpu=${c} ${p.reg}=${p.reg === 'APIC_SPIV' ? p.value & 0x13ff : p.value}`
        : null;
    case 'inhibit':
      return `kvm_apicv_inhibit_changed ${p.set ? 'set' : 'cleared'} reason=${p.reason}`;
    case 'delayed':
      return `kvm_ioapic_delayed_eoi_inj dst=${p.dest} vec=${p.vector}`;
    case 'q_clear_remote_irr':
      return `ioapic_clear_remote_irr pin=${p.pin} vec=${p.vector}`;
    case 'q_eoi_broadcast':
      return `ioapic_eoi_broadcast vec=${p.vector}`;
    case 'q_delayed_reassert':
      return `ioapic_eoi_delayed_reassert pin=${p.pin}`;
    default:
      return null;
  }
}
