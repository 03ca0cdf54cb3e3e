/** One vCPU in full: its LAPIC bitmaps, priorities, KVM state, guest CPU, and its actions. */
import { memo, useCallback, useContext, useRef, useState } from 'react';
import type { CpuOp } from '../../core/actions.ts';
import { hex } from '../../core/hex.ts';
import { PIN, REG32, readNumber } from '../../scenario/grammar/index.ts';
import type { CpuChange, CpuDetail } from '../../worker/protocol.ts';
import { ALL_DETAILED } from '../../worker/protocol.ts';
import { useAct } from '../act.ts';
import { Button, NumberField } from '../common/Button.tsx';
import { Toolbar } from '../common/roving.tsx';
import { OtherCpusContext, useViz } from '../context.ts';
import { BitGrid } from './BitGrid.tsx';

const EMPTY: number[] = [];
/** The registers the "write" select offers. */
type RegOp = 'spiv' | 'apic-id' | 'ldr' | 'dfr';

/** The LAPIC modes as the SDM spells them. */
const MODE_NAMES: Record<string, string> = { xapic: 'xAPIC', x2apic: 'x2APIC' };

/** The vector registers a card draws; under Secure AVIC the first three are the guest's own. */
const GRIDS = [
  {
    reg: 'irr',
    label: 'IRR (pending)',
    guest: true,
    color: '--irr',
    hint: 'Interrupt Request Register: accepted, waiting to be taken (R3.7)',
  },
  {
    reg: 'isr',
    label: 'ISR (in service)',
    guest: true,
    color: '--isr',
    hint: "In-Service Register: taken, not yet EOI'd (R3.6)",
  },
  {
    reg: 'tmr',
    label: 'TMR (level)',
    guest: true,
    color: '--tmr',
    hint: 'Trigger Mode Register: set when accepted level-triggered (R3.7)',
  },
  {
    reg: 'handled',
    label: 'handled vectors',
    guest: false,
    color: '--handled',
    hint: "KVM's ioapic_handled_vectors: EOIs of these vectors are forwarded to the IOAPIC (R7.1); it holds the vectors of level pins and of pin 8 (the RTC), masked or not (R5.7)",
  },
  {
    reg: 'shadowIsr',
    label: 'KVM shadow ISR',
    guest: false,
    color: '--shadow',
    hint: 'Secure AVIC: level vectors KVM handed the guest and awaits the EOI of (R10.2)',
  },
] as const;

function Field({
  name,
  value,
  changed,
  title,
}: {
  name: string;
  value: string;
  changed?: boolean;
  title?: string;
}) {
  return (
    <div className="flex items-baseline justify-between gap-2" title={title}>
      <dt className="text-slate-600 dark:text-slate-400">{name}</dt>
      <dd
        className={`m-0 font-mono tabular-nums ${changed ? 'rounded bg-sky-100 px-1 text-sky-900 dark:bg-sky-900 dark:text-sky-100' : ''}`}
      >
        {value}
      </dd>
    </div>
  );
}

/** Vectors in exactly one of the two sets. */
function symmetricDifference(a: number[], b: number[]): number[] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((v) => !sb.has(v)), ...b.filter((v) => !sa.has(v))];
}

export const VcpuCard = memo(function VcpuCard({
  cpu,
  change,
  pinned,
}: {
  cpu: CpuDetail;
  change: CpuChange | undefined;
  pinned: boolean;
}) {
  const other = useContext(OtherCpusContext)?.[cpu.cpu];
  const toggleSelected = useViz((s) => s.toggleSelected);
  const vcpus = useViz((s) => s.info?.vcpus ?? 0);
  // The IOAPIC EOI field starts at the vector in service when the card first shows.
  const [eoiStart] = useState(() => (cpu.isr.length ? hex(cpu.isr.at(-1)!, 2) : '0x62'));
  const c = cpu.cpu;
  const sets = change?.sets ?? {};
  const fields = new Set(change?.fields ?? []);
  const blocked = cpu.ppr >> 4;
  // Stable across frames (the grids re-render only when their bits change); reads the latest cpu.
  const latest = useRef(cpu);
  latest.current = cpu;
  const describe = useCallback((v: number) => {
    const c = latest.current;
    const where = (
      [
        ['IRR', c.irr],
        ['ISR', c.isr],
        ['TMR', c.tmr],
        ['handled', c.handled],
        ['shadow ISR', c.shadowIsr],
      ] as const
    )
      .filter(([, vs]) => vs.includes(v))
      .map(([n]) => n);
    return where.length ? `in ${where.join(', ')}` : 'in no register';
  }, []);
  const spivEnabled = cpu.spivBits.enabled;
  const seoib = cpu.spivBits.suppressEoiBroadcast;
  const lvr24 = (cpu.lvr & (1 << 24)) !== 0;
  return (
    <article
      aria-label={`vCPU ${c}`}
      data-testid={`vcpu-${c}`}
      className="contain-card skip-offscreen @container rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <header className="mb-2 flex items-center justify-between gap-2">
        <h3 className="m-0 text-sm font-semibold text-slate-900 dark:text-slate-50">
          vCPU {c}
          <span className="ml-2 text-xs font-normal text-slate-600 dark:text-slate-400">
            <span className="sr-only"> · </span>
            {MODE_NAMES[cpu.mode] ?? cpu.mode} ID {hex(cpu.apicId)} · {cpu.profile} guest
            {cpu.savic ? ' · Secure AVIC' : ''}
          </span>
        </h3>
        <span
          className={`rounded px-1.5 py-0.5 text-[11px] font-semibold ${cpu.if ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100' : 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100'} ${fields.has('if') ? 'ring-2 ring-sky-400' : ''}`}
          title="RFLAGS.IF: interrupts can be taken only when it is 1 (R3.5)"
        >
          IF={cpu.if}
        </span>
        {vcpus > ALL_DETAILED && (
          <Button onClick={() => toggleSelected(c)} aria-pressed={pinned} title="Keep this card on screen">
            {pinned ? 'Unpin' : 'Pin'}
          </Button>
        )}
      </header>
      <div className="grid grid-cols-2 gap-x-3 gap-y-2 @3xl:grid-cols-4">
        {GRIDS.filter((g) => cpu.savic || g.reg !== 'shadowIsr').map((g) => (
          <BitGrid
            key={g.reg}
            label={g.guest && cpu.savic ? `guest ${g.label}` : g.label}
            hint={g.hint}
            color={g.color}
            vectors={cpu[g.reg]}
            changed={sets[g.reg] ?? EMPTY}
            differs={other ? symmetricDifference(cpu[g.reg], other[g.reg]) : EMPTY}
            blockedClass={g.reg === 'irr' ? blocked : -1}
            describe={describe}
          />
        ))}
      </div>
      {cpu.handled.includes(0) && (
        <p className="m-0 mt-1 text-[11px] text-slate-600 dark:text-slate-400" data-testid="handled-0x00">
          handled 0x00: KVM scans pin 8 (the RTC, GSI 8) whether programmed or not, and RTE 8 at reset has
          vector 0x00 (R5.7).
        </p>
      )}
      <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-0.5 text-xs @3xl:grid-cols-3">
        <Field name="TPR" value={hex(cpu.tpr, 2)} changed={fields.has('tpr')} title="Task priority (R3.2)" />
        <Field
          name="PPR"
          value={hex(cpu.ppr, 2)}
          changed={fields.has('ppr')}
          title={`Processor priority: classes ≤ ${blocked} are blocked (shaded in IRR)`}
        />
        <Field
          name="SPIV"
          value={`${hex(cpu.spiv)} ${spivEnabled ? 'on' : 'OFF'}${seoib ? ' SEOIB' : ''}`}
          changed={fields.has('spiv')}
          title="bit 8: APIC software enable; bit 12: suppress EOI broadcast (R2.3)"
        />
        <Field
          name="LVR"
          value={`${hex(cpu.lvr)}${lvr24 ? ' [24]' : ''}`}
          title="bit 24: Suppress EOI Broadcast advertised (R2.4, R8.2)"
        />
        <Field
          name="stale EOI"
          value={String(cpu.stale === -1 ? '−1' : hex(cpu.stale, 2))}
          changed={fields.has('stale')}
          title="highest_stale_pending_ioapic_eoi (R7.6)"
        />
        <Field
          name="PV EOI"
          value={
            cpu.pvEoi.enabled
              ? `on, ${cpu.pvEoi.pending ? 'armed' : 'idle'}`
              : cpu.pvEoi.pending
                ? 'off, PENDING'
                : 'off'
          }
          changed={fields.has('pvEoi')}
          title="MSR enable, KVM_APIC_PV_EOI_PENDING (R9)"
        />
        {cpu.mode === 'xapic' && (
          <Field
            name="LDR / DFR"
            value={`${hex(cpu.ldr >>> 24)} / ${cpu.dfr >>> 28 === 0xf ? 'flat' : cpu.dfr >>> 28 === 0 ? 'cluster' : hex(cpu.dfr)}`}
            changed={fields.has('ldr') || fields.has('dfr')}
          />
        )}
        <Field
          name="handlers"
          value={cpu.frames.length ? cpu.frames.map((f) => hex(f.vector, 2)).join(' › ') : 'none'}
          changed={fields.has('handlers')}
          title="Interrupt handlers running, innermost last"
        />
        <Field
          name="requests"
          value={cpu.requests.length ? cpu.requests.map((r) => r.replace('KVM_REQ_', '')).join(' ') : 'none'}
        />
      </dl>
      {cpu.frames.at(-1)?.script && (
        <p className="mt-1 text-[11px] text-slate-600 dark:text-slate-400">
          handler script:{' '}
          {cpu.frames
            .at(-1)!
            .script!.map((op, i) => (i === cpu.frames.at(-1)!.pc ? `▸${op}` : op))
            .join(', ')}
        </p>
      )}
      <CpuActions
        c={c}
        ifOpen={cpu.if === 1}
        seoib={seoib}
        pvEoi={cpu.pvEoi.enabled}
        xapic={cpu.mode === 'xapic'}
        eoiStart={eoiStart}
      />
    </article>
  );
});

/**
 * The card's actions, apart from its registers: memoized on the few values their labels show,
 * so that a live frame (10 a second) re-renders the registers and not these ~20 controls.
 */
const CpuActions = memo(function CpuActions({
  c,
  ifOpen,
  seoib,
  pvEoi,
  xapic,
  eoiStart,
}: {
  c: number;
  ifOpen: boolean;
  seoib: boolean;
  pvEoi: boolean;
  xapic: boolean;
  eoiStart: string;
}) {
  const act = useAct();
  const [problem, setProblem] = useState<string | null>(null);
  const [tpr, setTpr] = useState('0x0');
  const [reg, setReg] = useState<RegOp>('spiv');
  const [regValue, setRegValue] = useState('0x1ff');
  const [servicePin, setServicePin] = useState('10');
  const [eoiVec, setEoiVec] = useState(eoiStart);
  const run = (op: CpuOp) => {
    setProblem(null);
    act({ kind: 'cpu', cpu: c, op });
  };
  /** An operation with one typed-in operand, read as the language reads it. */
  const runWith = (
    text: string,
    what: string,
    range: { min: number; max: number },
    op: (v: number) => CpuOp,
  ) => {
    const r = readNumber(text, what, range);
    if (r.ok) run(op(r.value));
    else setProblem(r.error);
  };
  return (
    <>
      <Toolbar className="mt-2 flex flex-wrap items-center gap-1" label={`vCPU ${c} actions`}>
        {/* A level IRQ's handler quiets its device before the EOI; in sight, in that order. */}
        <span className="inline-flex items-center gap-1">
          <NumberField label="service pin" value={servicePin} onChange={setServicePin} width="w-10" />
          <Button
            onClick={() => runWith(servicePin, 'pin', PIN, (pin) => ({ op: 'service', pin }))}
            aria-label={`service the device on pin ${servicePin} from vCPU ${c}`}
            title="The handler quiets the device: its line drops (do it before the EOI of a level IRQ)"
          >
            service
          </Button>
        </span>
        <Button onClick={() => run({ op: 'eoi' })} title="The guest's EOI routine (R3.8)">
          EOI
        </Button>
        <Button onClick={() => run({ op: 'iret' })}>iret</Button>
        <Button onClick={() => run({ op: ifOpen ? 'cli' : 'sti' })}>{ifOpen ? 'cli' : 'sti'}</Button>
        <Button onClick={() => run({ op: 'exit' })} title="Any other VM exit">
          exit
        </Button>
        <Button onClick={() => run({ op: 'seoib', on: !seoib })} title="Set or clear SPIV bit 12">
          SEOIB {seoib ? 'off' : 'on'}
        </Button>
        <Button onClick={() => run({ op: 'pv-eoi', on: !pvEoi })}>PV EOI {pvEoi ? 'off' : 'on'}</Button>
        <Button onClick={() => run({ op: 'rdmsr-eoi' })} title="Read the x2APIC EOI MSR">
          rdmsr EOI
        </Button>
        <span className="inline-flex items-center gap-1">
          <NumberField label="TPR" value={tpr} onChange={setTpr} width="w-12" />
          <Button
            onClick={() => runWith(tpr, 'tpr value', REG32, (value) => ({ op: 'tpr', value }))}
            aria-label={`set TPR on vCPU ${c}`}
          >
            set
          </Button>
        </span>
        <span className="inline-flex items-center gap-1">
          <NumberField label="IOAPIC EOI" value={eoiVec} onChange={setEoiVec} width="w-12" />
          <Button
            onClick={() =>
              runWith(eoiVec, 'ioapic-eoi value', REG32, (value) => ({ op: 'ioapic-eoi', value }))
            }
            aria-label={`write the IOAPIC EOI register from vCPU ${c}`}
          >
            write
          </Button>
        </span>
      </Toolbar>
      {problem && (
        <p role="alert" className="m-0 mt-1 text-xs text-rose-700 dark:text-rose-300">
          Not added: {problem}
        </p>
      )}
      <details className="mt-1 text-xs">
        <summary className="cursor-pointer text-slate-600 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-slate-300">
          More: registers, host
        </summary>
        <Toolbar className="mt-1 flex flex-wrap items-center gap-1" label={`vCPU ${c} more actions`}>
          <label className="inline-flex items-center gap-1 text-slate-600 dark:text-slate-300">
            write
            <select
              value={reg}
              onChange={(e) => setReg(e.target.value as RegOp)}
              aria-label={`register to write on vCPU ${c}`}
              className="rounded border border-slate-300 bg-white px-1 py-0.5 text-xs dark:border-slate-600 dark:bg-slate-900"
            >
              {(['spiv', ...(xapic ? (['apic-id', 'ldr', 'dfr'] as const) : [])] as const).map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <NumberField label="value" value={regValue} onChange={setRegValue} width="w-24" />
          <Button
            onClick={() => runWith(regValue, `${reg} value`, REG32, (value) => ({ op: reg, value }))}
            aria-label={`write ${reg} on vCPU ${c}`}
          >
            write
          </Button>
          <Button
            onClick={() => act({ kind: 'host-pv-eoi', cpu: c })}
            title="The host clears the PV EOI enable bit without a guest exit (R9.5)"
          >
            host: PV EOI off
          </Button>
        </Toolbar>
      </details>
    </>
  );
});
