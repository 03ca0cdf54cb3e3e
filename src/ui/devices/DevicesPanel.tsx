/** Messages that come from no pin (MSI, IPI) and the VMM's actions (wait, run, snapshot). */
import { useId, useState } from 'react';
import type { Action, DeliveryMode, DestMode, Shorthand, Trigger } from '../../core/actions.ts';
import type { Read } from '../../scenario/grammar/index.ts';
import {
  CPU,
  DELIVERY_MODES,
  DEST_MODES,
  MSG_DEST,
  readDuration,
  readName,
  readNumber,
  SHORTHANDS,
  TRIGGERS,
  VECTOR,
} from '../../scenario/grammar/index.ts';
import { useAct } from '../act.ts';
import { Button, NumberField } from '../common/Button.tsx';
import { useViz } from '../context.ts';

/** The values of several fields, or the first field's problem. */
function readAll<T extends Record<string, Read<unknown>>>(
  reads: T,
):
  | { ok: true; value: { [K in keyof T]: T[K] extends Read<infer V> ? V : never } }
  | { ok: false; error: string } {
  const value: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(reads)) {
    if (!r.ok) return r;
    value[k] = r.value;
  }
  return { ok: true, value: value as { [K in keyof T]: T[K] extends Read<infer V> ? V : never } };
}

const sel =
  'rounded border border-slate-300 bg-white px-1 py-0.5 text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

function Pick({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (v: string) => void;
}) {
  return (
    <label className="inline-flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} className={sel}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <fieldset className="m-0 flex flex-wrap items-center gap-2 rounded border border-slate-200 p-2 dark:border-slate-700">
      <legend className="px-1 text-xs font-semibold">{title}</legend>
      {children}
    </fieldset>
  );
}

export function DevicesPanel() {
  const act = useAct();
  const [problem, setProblem] = useState<string | null>(null);
  /** Adds the action the fields make, or says what is wrong with them. */
  const perform = (r: { ok: true; value: Action } | { ok: false; error: string }) => {
    setProblem(r.ok ? null : r.error);
    if (r.ok) act(r.value);
  };
  const idx = <T extends number>(words: readonly string[], w: string) => words.indexOf(w) as T;
  const sendMsi = () => {
    const r = readAll({
      dest: readNumber(msi.dest, 'msi dest', MSG_DEST),
      vector: readNumber(msi.vector, 'vector', VECTOR),
    });
    perform(
      r.ok
        ? {
            ok: true,
            value: {
              kind: 'msi',
              ...r.value,
              destMode: idx<DestMode>(DEST_MODES, msi.destmode),
              deliveryMode: idx<DeliveryMode>(DELIVERY_MODES, msi.delivery),
              trigger: idx<Trigger>(TRIGGERS, msi.trigger),
            },
          }
        : r,
    );
  };
  const sendIpi = () => {
    const r = readAll({
      from: readNumber(ipi.from, 'vCPU', CPU),
      vector: readNumber(ipi.vector, 'vector', VECTOR),
      dest: readNumber(ipi.dest, 'ipi dest', MSG_DEST),
    });
    perform(
      r.ok
        ? {
            ok: true,
            value: {
              kind: 'ipi',
              ...r.value,
              destMode: idx<DestMode>(DEST_MODES, ipi.destmode),
              deliveryMode: idx<DeliveryMode>(DELIVERY_MODES, ipi.delivery),
              shorthand: idx<Shorthand>(SHORTHANDS, ipi.shorthand),
            },
          }
        : r,
    );
  };
  const named = (kind: 'snapshot' | 'restore') => {
    const r = readName(snap);
    perform(r.ok ? { ok: true, value: { kind, name: r.value } } : r);
  };
  const startRun = useViz((s) => s.startRun);
  const steps = useViz((s) => s.info?.steps);
  const [msi, setMsi] = useState({
    dest: '0',
    vector: '0x41',
    destmode: 'physical',
    delivery: 'fixed',
    trigger: 'edge',
  });
  const [ipi, setIpi] = useState({
    from: '0',
    dest: '1',
    vector: '0xf1',
    destmode: 'physical',
    delivery: 'fixed',
    shorthand: 'none',
  });
  const [wait, setWait] = useState('10ms');
  const [runN, setRunN] = useState('100');
  const [snap, setSnap] = useState('s1');
  const hid = useId();
  const names = [...new Set(Array.from(steps?.texts.matchAll(/^snapshot (.*)$/gm) ?? [], (m) => m[1]))];
  return (
    <section
      aria-labelledby={hid}
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <h2 id={hid} className="m-0 mb-2 text-sm font-semibold">
        Messages and the VMM
      </h2>
      <div className="flex flex-col gap-2">
        <Card title="MSI (a device writes to the LAPIC directly)">
          <NumberField
            label="dest"
            value={msi.dest}
            onChange={(dest) => setMsi({ ...msi, dest })}
            width="w-14"
          />
          <NumberField
            label="vector"
            value={msi.vector}
            onChange={(vector) => setMsi({ ...msi, vector })}
            width="w-14"
          />
          <Pick
            label="mode"
            value={msi.destmode}
            options={DEST_MODES}
            onChange={(destmode) => setMsi({ ...msi, destmode })}
          />
          <Pick
            label="delivery"
            value={msi.delivery}
            options={DELIVERY_MODES}
            onChange={(delivery) => setMsi({ ...msi, delivery })}
          />
          <Pick
            label="trigger"
            value={msi.trigger}
            options={TRIGGERS}
            onChange={(trigger) => setMsi({ ...msi, trigger })}
          />
          <Button onClick={sendMsi} className="font-semibold">
            Send MSI
          </Button>
        </Card>
        <Card title="IPI (a vCPU writes its ICR)">
          <NumberField
            label="from"
            value={ipi.from}
            onChange={(from) => setIpi({ ...ipi, from })}
            width="w-10"
          />
          <NumberField
            label="dest"
            value={ipi.dest}
            onChange={(dest) => setIpi({ ...ipi, dest })}
            width="w-14"
          />
          <NumberField
            label="vector"
            value={ipi.vector}
            onChange={(vector) => setIpi({ ...ipi, vector })}
            width="w-14"
          />
          <Pick
            label="mode"
            value={ipi.destmode}
            options={DEST_MODES}
            onChange={(destmode) => setIpi({ ...ipi, destmode })}
          />
          <Pick
            label="delivery"
            value={ipi.delivery}
            options={DELIVERY_MODES}
            onChange={(delivery) => setIpi({ ...ipi, delivery })}
          />
          <Pick
            label="shorthand"
            value={ipi.shorthand}
            options={SHORTHANDS}
            onChange={(shorthand) => setIpi({ ...ipi, shorthand })}
          />
          <Button onClick={sendIpi} className="font-semibold">
            Send IPI
          </Button>
        </Card>
        <Card title="Time, guests, snapshots">
          <NumberField label="wait" value={wait} onChange={setWait} width="w-16" />
          <Button
            onClick={() => {
              const r = readDuration(wait);
              perform(r.ok ? { ok: true, value: { kind: 'wait', ns: r.value } } : r);
            }}
          >
            Wait
          </Button>
          <NumberField label="run" value={runN} onChange={setRunN} width="w-16" />
          <Button onClick={() => startRun(runN)} title="Guest steps of the automatic profiles">
            Run
          </Button>
          <NumberField label="name" value={snap} onChange={setSnap} width="w-16" />
          <Button onClick={() => named('snapshot')}>Snapshot</Button>
          <Button
            onClick={() => named('restore')}
            disabled={!names.includes(snap)}
            title={names.length ? `snapshots: ${names.join(', ')}` : 'take a snapshot first'}
          >
            Restore
          </Button>
        </Card>
        {problem && (
          <p role="alert" className="m-0 text-xs text-rose-700 dark:text-rose-300">
            Not added: {problem}
          </p>
        )}
      </div>
    </section>
  );
}
