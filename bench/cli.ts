/**
 * Command-line figures: start-up of the built bin against a bare `node -e 0`, and the whole
 * `npm run --silent apicscope -- run FILE` on a long manual scenario and a 10 000-deep storm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SCENARIO_CHARS, MAX_STEPS } from '../src/scenario/limits.ts';
import type { Figure } from './core.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'apicscope.mjs');

/** Deterministic pseudo-random numbers for the generated scenarios. */
function lcg(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/**
 * N steps with every guest `manual` (the default), so each step is one scenario line: routes,
 * pins, MSIs and vCPU actions over 4 vCPUs and both trigger modes.
 */
export function manualScenario(n: number, seed = 3): string {
  const rnd = lcg(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const vecs = ['0x31', '0x41', '0x62', '0x72', '0xa2'];
  const lines = ['vcpus 4', 'irqchip kernel'];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    const cpu = Math.floor(rnd() * 4);
    if (r < 0.05)
      lines.push(
        `route ${Math.floor(rnd() * 8)} vector=${pick(vecs)} trigger=${pick(['edge', 'level'])} dest=${cpu} mask=0`,
      );
    else if (r < 0.3) lines.push(`${pick(['assert', 'pulse', 'deassert'])} ${Math.floor(rnd() * 8)}`);
    else if (r < 0.4) lines.push(`msi dest=${cpu} vector=${pick(vecs)}`);
    else lines.push(`cpu ${cpu} ${pick(['eoi', 'iret', 'sti', 'cli', 'tpr 0x20', 'tpr 0', 'exit'])}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A level line that stays high and a guest that EOIs it `depth` times without servicing the
 * device: depth − 1 immediate re-injections, then the storm limit (R5.6 d, KVM's default 10000)
 * defers the next one. The expectations make the run fail if it did not happen that way.
 */
export function stormScenario(depth: number): string {
  const lines = [
    'vcpus 1',
    'irqchip kernel',
    `kvm storm-limit=${depth}`,
    'route 10 vector=0x62 trigger=level dest=0 mask=0',
    'assert 10',
  ];
  for (let i = 0; i < depth; i++) lines.push('cpu 0 eoi', 'cpu 0 iret');
  lines.push(
    `expect count reinjections pin=10 = ${depth - 1}`,
    'expect count storms pin=10 = 1',
    `expect count injections = ${depth}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The biggest legal scenario (issue 14.3): 4096 vCPUs and MAX_STEPS actions within
 * MAX_SCENARIO_CHARS: 8 routed pins, assert/pulse/deassert, MSIs and `cpu N eoi|iret|sti|cli`
 * on vCPUs 0–9, so that the lints see stuck pins, empty EOIs and busy counters at every step.
 */
export function biggestScenario(seed = 3): string {
  const rnd = lcg(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const lines = ['vcpus 4096', 'irqchip kernel'];
  for (let p = 0; p < 8; p++)
    lines.push(
      `route ${p} vector=0x${(0x62 + p).toString(16)} trigger=${p % 2 ? 'edge' : 'level'} dest=${p * 30} mask=0`,
    );
  for (let actions = 8; actions < MAX_STEPS; actions++) {
    const r = rnd();
    const cpu = Math.floor(rnd() * 10);
    if (r < 0.55) lines.push(`${pick(['assert', 'pulse', 'deassert'])} ${Math.floor(rnd() * 8)}`);
    else if (r < 0.56) lines.push(`msi dest=${cpu} vector=0x41`);
    else lines.push(`cpu ${cpu} ${pick(['eoi', 'iret', 'sti', 'cli'])}`);
  }
  const text = `${lines.join('\n')}\n`;
  if (text.length > MAX_SCENARIO_CHARS) throw new Error(`biggest scenario over the limit: ${text.length}`);
  return text;
}

/** Peak resident set (MB) of `node ARGS` by /usr/bin/time (GNU), or NaN where it is missing. */
function peakRssMb(args: string[]): number {
  if (!existsSync('/usr/bin/time')) return Number.NaN;
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const m = /maxrss_kb=(\d+)/.exec(r.stderr);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Wall time of one run in ms; throws unless it exits 0 (a figure of a failing run means nothing). */
function wallMs(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return ms;
}

/** The middle value; NaN if any is NaN (a measurement that failed is not hidden by the others). */
export function median(xs: number[]): number {
  if (xs.some(Number.isNaN)) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function cliFigures(quick: boolean): Figure[] {
  // Measure the bin as the current sources build it.
  wallMs(process.execPath, [join(ROOT, 'src', 'cli', 'build.mjs')]);
  const dir = mkdtempSync(join(tmpdir(), 'apicscope-bench-'));
  const oneStep = join(dir, 'one-step.apic');
  writeFileSync(oneStep, 'vcpus 1\nmsi dest=0 vector=0x31\nexpect cpu 0 isr = {0x31}\n');

  // Interleaved, so a machine that gets busier or quieter weighs on both alike.
  const runs = quick ? 5 : 11;
  const node: number[] = [];
  const bin: number[] = [];
  wallMs(process.execPath, [BIN, 'run', oneStep]); // file cache warm for both
  for (let i = 0; i < runs; i++) {
    node.push(wallMs(process.execPath, ['-e', '0']));
    bin.push(wallMs(process.execPath, [BIN, 'run', oneStep]));
  }
  const ratio = median(bin) / median(node);

  const manual = join(dir, 'manual-100000.apic');
  writeFileSync(manual, manualScenario(100_000));
  const storm = join(dir, 'storm-10000.apic');
  writeFileSync(storm, stormScenario(10_000));
  const npmRun = (file: string) =>
    median(
      Array.from({ length: quick ? 1 : 3 }, () =>
        wallMs('npm', ['run', '--silent', 'apicscope', '--', 'run', file]),
      ),
    );
  const biggest = join(dir, 'biggest.apic');
  writeFileSync(biggest, biggestScenario());
  const biggestMs = median(
    Array.from({ length: quick ? 1 : 3 }, () => wallMs(process.execPath, [BIN, 'run', biggest])),
  );
  const biggestRss = peakRssMb([BIN, 'run', biggest]);
  return [
    { name: 'cli.node_e0_ms', value: median(node), unit: 'ms' },
    { name: 'cli.startup_ms', value: median(bin), unit: 'ms' },
    { name: 'cli.startup', value: ratio, unit: '× node -e 0', budget: '≤ 3', ok: ratio <= 3 },
    { name: 'cli.npm_run_manual_100000_steps_ms', value: npmRun(manual), unit: 'ms' },
    { name: 'cli.npm_run_storm_10000_deep_ms', value: npmRun(storm), unit: 'ms' },
    // 4096 vCPUs, 200 000 actions, 2 MB: the whole `run` with its lints (issue 14.3).
    {
      name: 'cli.biggest_run_ms',
      value: biggestMs,
      unit: 'ms',
      budget: '≤ 10000',
      ok: biggestMs <= 10_000,
    },
    {
      name: 'cli.biggest_peak_rss_mb',
      value: biggestRss,
      unit: 'MB',
      budget: '≤ 1024',
      ok: biggestRss <= 1024,
    },
  ];
}
