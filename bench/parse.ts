/**
 * Parsing and heavy-input figures (issue 14 and the speed issue): scenario lines per second,
 * a 200 000-action file, and the legal-but-heavy inputs of the hostile suite. Times are the
 * best of several runs, each the lesser of wall-clock and CPU time (a shared machine's other
 * work does not count against us; work we really do does).
 */
import { runScenario } from '../src/replay/run.ts';
import { parseScenario } from '../src/scenario/parse.ts';
import { decodeFragment, encodeFragment } from '../src/share/url.ts';
import type { Figure } from './core.ts';
import { mixedActions } from './core.ts';

function busyMs(f: () => void, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    best = Math.min(best, wall, (c.user + c.system) / 1000);
  }
  return best;
}

function mustOk(text: string) {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(`bench scenario does not parse: ${r.errors[0].message}`);
  return r.scenario;
}

/** 200 000 actions of the shortest common lines: the largest legal file by actions. */
function maxActions(): string {
  const lines = ['vcpus 4096'];
  const forms = ['cpu 7 eoi', 'assert 3', 'pulse 9', 'run 5', 'cpu 1 sti', 'mask 4', 'cpu 2 iret'];
  for (let i = 0; i < 200_000; i++) lines.push(forms[(i * 7 + (i >> 3)) % forms.length]);
  return lines.join('\n');
}

export function parseFigures(quick: boolean): Figure[] {
  const runs = quick ? 2 : 5;
  const session = mixedActions(150_000, 5).text;
  const lines = session.split('\n').length;
  const sessionMs = busyMs(() => mustOk(session), runs);
  const big = maxActions();
  if (big.length > 2_000_000) throw new Error('the 200 000-action file is over the limit');
  const bigMs = busyMs(() => mustOk(big), runs);

  const notes = `vcpus 1\n${'note ""\n'.repeat(130_000)}apic xapic\n`;
  const notesMs = busyMs(() => mustOk(notes), runs);
  const expects = `vcpus 1\nmsi dest=0 vector=0x31\n${'expect cpu 0 isr has 0x31\n'.repeat(70_000)}`;
  const expectsScenario = mustOk(expects);
  const expectsMs = busyMs(() => runScenario(expectsScenario), quick ? 1 : 3);

  const notesLink = encodeFragment({ text: `vcpus 1\n${'note ""\n'.repeat(100_000)}`, step: 0 });
  const notesLinkMs = busyMs(() => decodeFragment(notesLink), 5); // cheap: always warm
  const bigLink = encodeFragment({ text: `# ${'x'.repeat(3_999_000)}\n`, step: 0 });
  const bigLinkMs = busyMs(() => decodeFragment(bigLink), 5);

  const perS = lines / (sessionMs / 1000);
  return [
    {
      name: 'parse_lines_per_s',
      value: perS,
      unit: 'lines/s',
      budget: '≥ 1000000',
      ok: perS >= 1_000_000,
    },
    { name: 'parse_200k_actions_ms', value: bigMs, unit: 'ms', budget: '≤ 200', ok: bigMs <= 200 },
    { name: 'parse_130k_notes_ms', value: notesMs, unit: 'ms', budget: '≤ 200', ok: notesMs <= 200 },
    {
      name: 'run_70k_expects_one_step_ms',
      value: expectsMs,
      unit: 'ms',
      budget: '≤ 2000',
      ok: expectsMs <= 2000,
    },
    {
      name: 'url_decode_100k_notes_ms',
      value: notesLinkMs,
      unit: 'ms',
      budget: '< 50',
      ok: notesLinkMs < 50,
    },
    { name: 'url_decode_4mb_ms', value: bigLinkMs, unit: 'ms', budget: '< 50', ok: bigLinkMs < 50 },
  ];
}
