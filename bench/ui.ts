/**
 * Browser benchmarks on the built app in headless Chromium: main-thread long tasks and frame
 * rate during a 64-vCPU storm run, key-to-screen latency of a step, a 4096-vCPU session, and
 * the size of the production JavaScript.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { encodeFragment } from '../src/share/url.ts';
import { serveBuiltApp } from './app.ts';
import { biggestScenario, median } from './cli.ts';
import type { Figure } from './core.ts';

const PORT = Number(process.env.BENCH_PORT) || 4179;
const URL = `http://127.0.0.1:${PORT}/`;

/** The gzipped size of the built scripts that `keep` names. */
function jsSize(keep: (file: string) => boolean = () => true): number {
  const dir = join(import.meta.dirname, '..', 'dist', 'assets');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') && keep(f))
    .reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0);
}

/**
 * What the app's page loads before it is usable: the entry script and the chunks index.html
 * preloads with it (not the worker's, nor the views loaded when first shown, nor the embed page's).
 */
function mainJsSize(): number {
  const dist = join(import.meta.dirname, '..', 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
  return [...files].reduce((n, f) => n + gzipSync(readFileSync(join(dist, f))).length, 0);
}

/** The heavy link of issue 12.3: a 4096-vCPU windows storm, as recorded after Stop (`run N`). */
export function heavyLinkFragment(): { fragment: string; step: number } {
  const text = [
    'vcpus 4096',
    'kvm storm-limit=1000000',
    'guest all profile=windows',
    'route 10 vector=0x62 trigger=level dest=0 mask=0',
    'assert 10',
    'run 1000000',
    '',
  ].join('\n');
  const step = 3;
  return { fragment: encodeFragment({ text, step }), step };
}

declare global {
  interface Window {
    __longTasks?: number[];
  }
}

/**
 * In the page: note every main-thread task of 50 ms or more (the Long Tasks API) from now on, or,
 * `fromLoad`, since the page began loading (the entries the browser buffered).
 */
function watchLongTasks(fromLoad: boolean): void {
  const long: number[] = [];
  window.__longTasks = long;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) long.push(e.duration);
  }).observe({ type: 'longtask', buffered: fromLoad });
}

/** In the page: the longest task noted since `watchLongTasks`, 0 if none. */
function longestTask(): number {
  return Math.max(0, ...(window.__longTasks ?? []));
}

export async function uiFigures(chromiumPath: string): Promise<Figure[]> {
  const server = await serveBuiltApp(PORT);
  const figures: Figure[] = [];
  const kb = jsSize() / 1024;
  figures.push({ name: 'js_gzip_kb', value: kb, unit: 'KB', budget: '≤ 250', ok: kb <= 250 });
  const main = mainJsSize() / 1024;
  figures.push({ name: 'js_main_gzip_kb', value: main, unit: 'KB', budget: '≤ 150', ok: main <= 150 });
  // Every script the page can run with every view opened (compare, editor, reference, lanes, the
  // embed page): all but the worker's, which holds the parser and the emulator.
  const views = jsSize((f) => !f.startsWith('worker-')) / 1024;
  figures.push({ name: 'js_views_gzip_kb', value: views, unit: 'KB', budget: '≤ 150', ok: views <= 150 });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx keeps function names with an `__name` helper, which page.evaluate's functions carry along.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(URL);
    await page.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
    const load = async (text: string) => {
      await page.evaluate((t) => window.__apicViz!.getState().load(t, undefined, true), text);
      await page.waitForFunction((t) => {
        const s = window.__apicViz!.getState();
        return s.text === t && s.status === 'ready';
      }, text);
    };

    // 1. A continuous storm with 64 vCPUs: long tasks and frames painted while the worker runs.
    await load(
      `vcpus 64\nkvm storm-limit=1000000\nguest all profile=windows\nrun\n${Array.from({ length: 8 }, (_, i) => `route ${i} vector=0x${(0xa0 + i).toString(16)} trigger=level dest=${i * 8} mask=0\nassert ${i}`).join('\n')}\n`,
    );
    await page.evaluate(
      (ids) => {
        const s = window.__apicViz!.getState();
        for (const i of ids) s.toggleSelected(i);
      },
      [0, 8, 16, 24],
    );
    const storm = await page.evaluate(async () => {
      const long: number[] = [];
      const obs = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) long.push(e.duration);
      });
      obs.observe({ type: 'longtask', buffered: false });
      const s = window.__apicViz!;
      const tRun = performance.now();
      s.getState().startRun(1_000_000_000);
      await new Promise((r) => setTimeout(r, 300));
      let frames = 0;
      let steps = 0;
      let stepsAt = performance.now();
      const t0 = performance.now();
      // 3 s of the run, or until it ends (8 storms of the storm limit each take about 2 s in all).
      await new Promise<void>((done) => {
        const tick = () => {
          frames++;
          const run = s.getState().run;
          if (run && run.steps > steps) {
            steps = run.steps;
            stepsAt = performance.now();
          }
          if (run && performance.now() - t0 < 3000) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      });
      const fps = (frames * 1000) / (performance.now() - t0);
      s.getState().stopRun();
      obs.disconnect();
      return {
        fps,
        longest: long.length ? Math.max(...long) : 0,
        longTasks: long.length,
        steps,
        ms: stepsAt - tRun,
      };
    });
    await page.waitForFunction(() => window.__apicViz!.getState().status === 'ready');
    figures.push({ name: 'storm64_fps', value: storm.fps, unit: 'fps', budget: '≥ 50', ok: storm.fps >= 50 });
    figures.push({
      name: 'storm64_longest_task_ms',
      value: storm.longest,
      unit: 'ms',
      budget: '≤ 50',
      ok: storm.longest <= 50,
    });
    figures.push({ name: 'storm64_long_tasks', value: storm.longTasks, unit: '' });
    figures.push({ name: 'storm64_guest_steps_in_3s', value: storm.steps, unit: 'steps' });
    figures.push({
      name: 'storm64_guest_steps_per_s',
      value: storm.steps / (storm.ms / 1000),
      unit: 'steps/s',
    });

    // 2. Key press to screen for one step: time until the frame after the step banner changes,
    // with 4, 64 and 4096 vCPUs (the worst of 6 steps, each a different kind of action).
    const keyToScreen = async (vcpus: number): Promise<{ worst: number; longestTask: number }> => {
      const far = vcpus - 1;
      await load(
        `vcpus ${vcpus}\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\ncpu 0 service 10\ncpu 0 eoi\ncpu 0 iret\nmsi dest=${far} vector=0x41\n`,
      );
      await page.keyboard.press('Home');
      await page.waitForFunction(() => window.__apicViz!.getState().frame?.step === 0);
      await page.evaluate(watchLongTasks, false);
      const latencies: number[] = [];
      for (let k = 1; k <= 6; k++) {
        const ms = await page.evaluate(async (target) => {
          const banner = document.querySelector('[data-testid="step-action"]')!;
          const t0 = performance.now();
          const seen = new Promise<number>((resolve) => {
            const mo = new MutationObserver(() => {
              if (window.__apicViz!.getState().frame?.step === target) {
                mo.disconnect();
                requestAnimationFrame(() => resolve(performance.now() - t0));
              }
            });
            mo.observe(banner, { childList: true, characterData: true, subtree: true });
          });
          window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
          return seen;
        }, k);
        latencies.push(ms);
      }
      return { worst: Math.max(...latencies), longestTask: await page.evaluate(longestTask) };
    };
    const { worst: worst4 } = await keyToScreen(4);
    figures.push({
      name: 'step4_key_to_screen_ms_max',
      value: worst4,
      unit: 'ms',
      budget: '≤ 50',
      ok: worst4 <= 50,
    });
    const { worst: worst64, longestTask: task64 } = await keyToScreen(64);
    figures.push({
      name: 'key_to_screen_ms_64',
      value: worst64,
      unit: 'ms',
      budget: '≤ 50',
      ok: worst64 <= 50,
    });
    const { worst: worst4096, longestTask: task4096 } = await keyToScreen(4096);
    figures.push({
      name: 'key_to_screen_ms_4096',
      value: worst4096,
      unit: 'ms',
      budget: '≤ 100',
      ok: worst4096 <= 100,
    });
    // Issue 12's "no main-thread task over 50 ms in any of these".
    for (const [name, ms] of [
      ['key_to_screen_longest_task_ms_64', task64],
      ['key_to_screen_longest_task_ms_4096', task4096],
    ] as const)
      figures.push({ name, value: ms, unit: 'ms', budget: '≤ 50', ok: ms <= 50 });

    // 3. The delivery lanes: a 10 000-event step (no repeated rounds to collapse) drawn, then panned.
    await load('vcpus 4\nmsi dest=0 vector=0x31\n');
    // The sidebar's event list is not part of this figure: show the scenario tab instead.
    await page.evaluate(() => window.__apicViz!.getState().setView('scenario'));
    await page.keyboard.press('End');
    await page.waitForFunction(() => window.__apicViz!.getState().frame?.step === 1);
    const lanes = await page.evaluate(async () => {
      const s = window.__apicViz!;
      const f = s.getState().frame!;
      const lanes = ['ioapic', 'kvm', 'vcpu'] as const;
      const events = Array.from({ length: 10_000 }, (_, i) => ({
        ...f.events[0],
        type: (['kvm_apic_accept_irq', 'kvm_inj_virq', 'kvm_exit', 'kvm_eoi'] as const)[i % 4],
        cpu: i % 4,
        vector: (i * 7) & 0xff,
        lane: lanes[i % 3],
        cause: i === 0 ? null : Math.max(0, i - 1 - (i % 3)),
        text: `synthetic ${i}`,
      }));
      const t0 = performance.now();
      s.setState({ frame: { ...f, events, event: null } });
      // The lanes lay out all 10 000 and draw what is on screen (and half a screen either side).
      await new Promise<void>((done) => {
        const check = () => {
          const label = document.querySelector('[data-testid="lanes"]')?.getAttribute('aria-label') ?? '';
          if (
            label.includes('10000 events shown') &&
            document.querySelector('[data-testid="lanes"] [data-event]')
          )
            done();
          else requestAnimationFrame(check);
        };
        check();
      });
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const draw = performance.now() - t0;
      // Pan with the zoom behaviour, as a drag would, for two seconds.
      const svg = document.querySelector('[data-testid="lanes"]') as SVGSVGElement;
      const long: number[] = [];
      const obs = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) long.push(e.duration);
      });
      obs.observe({ type: 'longtask', buffered: false });
      let frames = 0;
      const p0 = performance.now();
      const box = svg.getBoundingClientRect();
      svg.dispatchEvent(
        new MouseEvent('mousedown', {
          clientX: box.x + 400,
          clientY: box.y + 40,
          bubbles: true,
          view: window,
        }),
      );
      await new Promise<void>((done) => {
        const tick = () => {
          frames++;
          window.dispatchEvent(
            new MouseEvent('mousemove', {
              clientX: box.x + 400 - ((frames * 7) % 300),
              clientY: box.y + 40,
              bubbles: true,
              view: window,
            }),
          );
          if (performance.now() - p0 < 2000) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      });
      window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, view: window }));
      obs.disconnect();
      return {
        draw,
        fps: (frames * 1000) / (performance.now() - p0),
        longest: long.length ? Math.max(...long) : 0,
      };
    });
    figures.push({
      name: 'lanes10k_draw_ms',
      value: lanes.draw,
      unit: 'ms',
      budget: '≤ 100',
      ok: lanes.draw <= 100,
    });
    figures.push({
      name: 'lanes10k_pan_fps',
      value: lanes.fps,
      unit: 'fps',
      budget: '≥ 50',
      ok: lanes.fps >= 50,
    });
    figures.push({
      name: 'lanes10k_pan_longest_task_ms',
      value: lanes.longest,
      unit: 'ms',
      budget: '≤ 50',
      ok: lanes.longest <= 50,
    });

    // 4. 4096 vCPUs: load time, and scrolling the overview stays smooth.
    const t0 = Date.now();
    await load('vcpus 4096\nmsi dest=0xff vector=0x31\nmsi dest=4000 vector=0x41\n');
    figures.push({ name: 'vcpus4096_load_ms', value: Date.now() - t0, unit: 'ms' });
    const scroll = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="vcpu-overview"]') as HTMLElement;
      const long: number[] = [];
      const obs = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) long.push(e.duration);
      });
      obs.observe({ type: 'longtask', buffered: false });
      let frames = 0;
      const t0 = performance.now();
      await new Promise<void>((done) => {
        const tick = () => {
          frames++;
          el.scrollTop = (frames * 400) % (4096 * 22);
          if (performance.now() - t0 < 2000) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      });
      obs.disconnect();
      return {
        fps: (frames * 1000) / (performance.now() - t0),
        longest: long.length ? Math.max(...long) : 0,
      };
    });
    figures.push({
      name: 'vcpus4096_scroll_fps',
      value: scroll.fps,
      unit: 'fps',
      budget: '≥ 50',
      ok: scroll.fps >= 50,
    });
    figures.push({
      name: 'vcpus4096_scroll_longest_task_ms',
      value: scroll.longest,
      unit: 'ms',
      budget: '≤ 50',
      ok: scroll.longest <= 50,
    });

    // 5. The biggest legal scenario (4096 vCPUs, 200 000 actions) opened: until it is
    // interactive (state there, status ready), and the page's JS heap then.
    const big = biggestScenario();
    const tBig = Date.now();
    await load(big);
    const bigMs = Date.now() - tBig;
    figures.push({
      name: 'biggest_open_ms',
      value: bigMs,
      unit: 'ms',
      budget: '≤ 10000',
      ok: bigMs <= 10_000,
    });
    const heap = await page.evaluate(
      () =>
        ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ??
          Number.NaN) /
        2 ** 20,
    );
    figures.push({
      name: 'biggest_open_js_heap_mb',
      value: heap,
      unit: 'MB',
      budget: '≤ 1024',
      ok: heap <= 1024,
    });

    // 6. A short link to a 4096-vCPU windows storm state as Stop records it (issue 12.3): a fresh
    // page until a progress bar shows, and until that step's state is on screen.
    // One fresh page's first paint is noisy (tens of ms), so this is the median of 5.
    const heavy = heavyLinkFragment();
    const progress: number[] = [];
    const interactive: number[] = [];
    const heavyTasks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await fresh.addInitScript({ content: 'window.__name = (f) => f;' });
      await fresh.addInitScript(watchLongTasks, true);
      const tLink = Date.now();
      // Not goto's default (the load event, after every script): the progress bar is in the
      // page's HTML, so it shows with the first paint, measured from the navigation's start.
      await fresh.goto(`${URL}#${heavy.fragment}`, { waitUntil: 'commit' });
      progress.push(
        await fresh
          .waitForSelector('[role="progressbar"]', { state: 'visible', timeout: 20_000 })
          .then(() =>
            fresh.waitForFunction(
              () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? false,
              undefined,
              { timeout: 20_000 },
            ),
          )
          .then((h) => h.jsonValue() as Promise<number>)
          .catch(() => Number.NaN),
      );
      await fresh.waitForFunction(
        (k) => {
          const s = window.__apicViz?.getState();
          return s?.status === 'ready' && s.frame?.step === k;
        },
        heavy.step,
        { timeout: 120_000 },
      );
      interactive.push(Date.now() - tLink);
      heavyTasks.push(await fresh.evaluate(longestTask));
      await fresh.close();
    }
    const progressMs = median(progress);
    const interactiveMs = median(interactive);
    figures.push({
      name: 'heavy_link_progress_ms',
      value: progressMs,
      unit: 'ms',
      budget: '≤ 100',
      ok: progressMs <= 100,
    });
    figures.push({
      name: 'heavy_link_interactive_ms',
      value: interactiveMs,
      unit: 'ms',
      budget: '≤ 2000',
      ok: interactiveMs <= 2000,
    });
    // "No main-thread task over 50 ms": the longest of the 5 pages, not their median.
    const heavyTask = Math.max(...heavyTasks);
    figures.push({
      name: 'heavy_link_longest_task_ms',
      value: heavyTask,
      unit: 'ms',
      budget: '≤ 50',
      ok: heavyTask <= 50,
    });
  } finally {
    await browser.close();
    server.close();
  }
  return figures;
}
