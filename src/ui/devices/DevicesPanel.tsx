/** Messages that come from no pin (MSI, IPI) and the VMM's actions (wait, run, snapshot). */
import { useId, useState } from 'react';
import { Button, NumberField } from '../common/Button.tsx';
import { useViz } from '../context.ts';

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
  options: string[];
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
  const act = useViz((s) => s.act);
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
  const opt = (k: string, v: string, d: string) => (v === d ? '' : ` ${k}=${v}`);
  const names = [
    ...new Set((steps ?? []).filter((st) => st.text.startsWith('snapshot ')).map((st) => st.text.slice(9))),
  ];
  return (
    <section
      aria-labelledby={hid}
      className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
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
            options={['physical', 'logical']}
            onChange={(destmode) => setMsi({ ...msi, destmode })}
          />
          <Pick
            label="delivery"
            value={msi.delivery}
            options={['fixed', 'lowest']}
            onChange={(delivery) => setMsi({ ...msi, delivery })}
          />
          <Pick
            label="trigger"
            value={msi.trigger}
            options={['edge', 'level']}
            onChange={(trigger) => setMsi({ ...msi, trigger })}
          />
          <Button
            onClick={() =>
              act([
                `msi dest=${msi.dest} vector=${msi.vector}${opt('destmode', msi.destmode, 'physical')}${opt('delivery', msi.delivery, 'fixed')}${opt('trigger', msi.trigger, 'edge')}`,
              ])
            }
            className="font-semibold"
          >
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
            options={['physical', 'logical']}
            onChange={(destmode) => setIpi({ ...ipi, destmode })}
          />
          <Pick
            label="delivery"
            value={ipi.delivery}
            options={['fixed', 'lowest']}
            onChange={(delivery) => setIpi({ ...ipi, delivery })}
          />
          <Pick
            label="shorthand"
            value={ipi.shorthand}
            options={['none', 'self', 'all', 'others']}
            onChange={(shorthand) => setIpi({ ...ipi, shorthand })}
          />
          <Button
            onClick={() =>
              act([
                `ipi from=${ipi.from} vector=${ipi.vector} dest=${ipi.dest}${opt('destmode', ipi.destmode, 'physical')}${opt('delivery', ipi.delivery, 'fixed')}${opt('shorthand', ipi.shorthand, 'none')}`,
              ])
            }
            className="font-semibold"
          >
            Send IPI
          </Button>
        </Card>
        <Card title="Time, guests, snapshots">
          <NumberField label="wait" value={wait} onChange={setWait} width="w-16" />
          <Button onClick={() => act([`wait ${wait}`])}>Wait</Button>
          <NumberField label="run" value={runN} onChange={setRunN} width="w-16" />
          <Button
            onClick={() => startRun(Number.parseInt(runN, 10) || 0)}
            title="Guest steps of the automatic profiles"
          >
            Run
          </Button>
          <NumberField label="name" value={snap} onChange={setSnap} width="w-16" />
          <Button onClick={() => act([`snapshot ${snap}`])}>Snapshot</Button>
          <Button
            onClick={() => act([`restore ${snap}`])}
            disabled={!names.includes(snap)}
            title={names.length ? `snapshots: ${names.join(', ')}` : 'take a snapshot first'}
          >
            Restore
          </Button>
        </Card>
      </div>
    </section>
  );
}
