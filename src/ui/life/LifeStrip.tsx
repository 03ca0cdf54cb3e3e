/**
 * The VM's life (issue 9, R8.8–R8.12): power-on, reboots, savevm/loadvm, flag writes and
 * migrations, each with the host and QEMU policy of its leg and the KVM mode it left, and what is
 * in force now. Drawn from the worker's frame (StateView.life); shown once the life is more than
 * the default power-on.
 */
import type { LifeEntry, LifeView } from '../../worker/protocol.ts';
import { useViz } from '../context.ts';

const LABEL: Record<LifeEntry['kind'], string> = {
  'power-on': 'power-on',
  reboot: 'reboot',
  savevm: 'savevm',
  loadvm: 'loadvm',
  migrate: 'migrate',
  'flag-write': 'KVM_ENABLE_CAP',
};

/** Whether the strip has anything to say: a life beyond the first power-on, or a VMM setting. */
export function lifeWorthShowing(life: LifeView): boolean {
  const h = life.entries[0]?.host;
  return (
    life.entries.length > 1 ||
    (h !== undefined && (h.policy !== 'quirked' || h.kernel !== 'seoib-api' || h.machine !== 'pc-q35-10.2'))
  );
}

function Entry({ e, prevLeg }: { e: LifeEntry; prevLeg: number }) {
  const failed = !e.ok;
  const newLeg = e.leg !== prevLeg || e.kind === 'power-on';
  const detail =
    e.kind === 'migrate'
      ? failed
        ? `failed: ${e.detail}`
        : `to leg ${e.leg}`
      : e.kind === 'flag-write'
        ? `SEOIB flag ${e.detail}${failed ? ': EINVAL' : ''}`
        : e.kind === 'loadvm' && failed
          ? `${e.detail} refused`
          : e.detail;
  return (
    <li
      data-testid="life-entry"
      data-kind={e.kind}
      data-ok={e.ok ? 'yes' : 'no'}
      className={`min-w-0 rounded border px-2 py-1 ${
        failed
          ? 'border-rose-400 bg-rose-50 text-rose-900 dark:border-rose-500 dark:bg-rose-950 dark:text-rose-100'
          : 'border-slate-300 bg-slate-50 dark:border-slate-600 dark:bg-slate-800'
      }`}
    >
      <div className="font-semibold">
        {LABEL[e.kind]}
        {detail && <span className="ml-1 font-normal">{detail}</span>}
      </div>
      {newLeg && (
        <div className="text-[11px] text-slate-600 dark:text-slate-300">
          leg {e.leg}: {e.host.policy} · {e.host.machine} · {e.host.kernel}
        </div>
      )}
      <div className="text-[11px] text-slate-600 dark:text-slate-300">
        KVM {e.mode} · QEMU {e.state}
      </div>
    </li>
  );
}

export function LifeStrip() {
  const life = useViz((s) => s.frame?.view.life);
  if (!life || !lifeWorthShowing(life)) return null;
  const h = life.host;
  return (
    <section
      aria-label="VM life"
      data-testid="life-strip"
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-2 text-xs shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <div className="mb-1 flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 className="m-0 text-xs font-semibold">VM life (SEOIB, R8.8–R8.12)</h2>
        <span data-testid="life-now">
          now: leg {life.leg} · policy {h.policy} · {h.machine} · kernel {h.kernel} · flags {h.flags} · KVM{' '}
          <strong>{life.mode}</strong> · QEMU state {life.state} · vCPU 0 LVR[24]={life.lvr24 ? 1 : 0}{' '}
          SPIV[12]=
          {life.spiv12 ? 1 : 0}
        </span>
      </div>
      <ol className="m-0 flex list-none flex-wrap gap-1 p-0">
        {life.entries.map((e, i) => (
          <Entry key={`${i}-${e.time}`} e={e} prevLeg={i > 0 ? life.entries[i - 1].leg : -1} />
        ))}
      </ol>
    </section>
  );
}
