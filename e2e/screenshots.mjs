/**
 * Regenerates e2e/screenshots/*.png from the built app (npm run build first), light and dark,
 * desktop and phone: `node e2e/screenshots.mjs`. For looking at the UI as a newcomer would.
 */
import { spawn } from 'node:child_process';
import { chromium } from 'playwright';
import { findChromium } from './chromium.mjs';

const PORT = Number(process.env.SHOT_PORT || 4188);
const BASE = `http://127.0.0.1:${PORT}/`;
const OUT = new URL('./screenshots/', import.meta.url).pathname;

/** The stale-EOI preset compared with the rescan patch off (the compare shots). */
async function openCompare(p) {
  await p.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
  await p.getByRole('button', { name: 'Compare' }).click();
  await p.getByLabel('Compare with').fill('kvm.stale-eoi-rescan=off');
  await p.getByRole('button', { name: 'Apply', exact: true }).click();
}

const server = spawn(
  'npx',
  ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'],
  { stdio: 'ignore', detached: true },
);
const browser = await chromium.launch({
  executablePath: await findChromium(),
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(BASE)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const shots = [
    { name: 'start-light', scheme: 'light', run: async () => {} },
    {
      name: 'step2-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.keyboard.press('ArrowRight');
        await p.keyboard.press('ArrowRight');
      },
    },
    {
      name: 'savic-light',
      scheme: 'light',
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('savic-eoi-read');
        await p.evaluate(() => window.__apicViz.getState().seek(3));
      },
    },
    {
      name: 'stale-config-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
        await p.evaluate(() => window.__apicViz.getState().seek(5));
        await p.getByRole('tab', { name: 'Configuration' }).click();
      },
    },
    {
      name: 'editor-errors-light',
      scheme: 'light',
      run: async (p) => {
        await p.getByRole('tab', { name: 'Scenario' }).click();
        await p.getByLabel('Scenario text').fill('vcpus 2\nroute 30 vector=0x31\nasert 3\n');
        await p.getByRole('button', { name: /Apply/ }).click();
      },
    },
    {
      name: 'vcpus4096-light',
      scheme: 'light',
      run: async (p) => {
        await p.evaluate(() =>
          window.__apicViz
            .getState()
            .load('vcpus 4096\nmsi dest=0xff vector=0x31\nmsi dest=4000 vector=0x41\n'),
        );
        await p.waitForTimeout(1500);
        await p.evaluate(() => window.__apicViz.getState().toggleSelected(4000));
      },
    },
    {
      name: 'compare-light',
      scheme: 'light',
      run: async (p) => {
        await openCompare(p);
        await p.waitForTimeout(500);
        await p.keyboard.press('End');
      },
    },
    {
      name: 'compare-first-difference-dark',
      scheme: 'dark',
      run: async (p) => {
        await openCompare(p);
        await p.getByRole('button', { name: 'Show it' }).click();
      },
    },
    {
      name: 'compare-phone-light',
      scheme: 'light',
      phone: true,
      run: async (p) => {
        await openCompare(p);
        await p.getByRole('button', { name: 'Show it' }).click();
      },
    },
    {
      name: 'lanes-substep-light',
      scheme: 'light',
      run: async (p) => {
        await p.keyboard.press('ArrowRight');
        await p.keyboard.press('ArrowRight');
        for (let i = 0; i < 4; i++) await p.keyboard.press('.');
      },
    },
    {
      name: 'lanes-storm-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('seoib-quirked-windows');
        await p.keyboard.press('End');
      },
    },
    {
      name: 'lanes-1280-light',
      scheme: 'light',
      size: { width: 1280, height: 720 },
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-unpatched');
        await p.evaluate(() => window.__apicViz.getState().seek(5));
        await p.waitForTimeout(300);
        await p.evaluate(() => window.__apicViz.getState().seekEvent(6));
      },
    },
    {
      name: 'lanes-phone-dark',
      scheme: 'dark',
      phone: true,
      run: async (p) => {
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
        await p.waitForTimeout(300);
        await p.evaluate(() => window.__apicViz.getState().seekEvent(3));
      },
    },
    {
      name: 'help-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.keyboard.press('?');
      },
    },
    {
      name: 'start-1280-light',
      scheme: 'light',
      size: { width: 1280, height: 720 },
      run: async () => {},
    },
    {
      name: 'compare-1280-dark',
      scheme: 'dark',
      size: { width: 1280, height: 720 },
      run: async (p) => {
        await openCompare(p);
        await p.waitForTimeout(500);
        await p.getByRole('button', { name: 'Jump to column B' }).click();
      },
    },
    {
      name: 'sticky-scrolled-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.keyboard.press('ArrowRight');
        await p.keyboard.press('ArrowRight');
        await p.getByRole('button', { name: 'Send IPI' }).scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'discard-dialog-light',
      scheme: 'light',
      run: async (p) => {
        await p.keyboard.press('ArrowRight');
        await p.keyboard.press('ArrowRight');
        await p.getByRole('button', { name: 'Send MSI' }).click();
      },
    },
    {
      name: 'route-pin-staged-light',
      scheme: 'light',
      size: { width: 1280, height: 720 },
      run: async (p) => {
        await p.keyboard.press('End');
        await p.getByLabel('Route a pin: its number (0–23)').fill('3');
        await p.getByRole('button', { name: 'Add row' }).click();
        await p.getByLabel('pin 3 vector', { exact: true }).fill('0x33');
        await p.getByLabel('pin 3 trigger', { exact: true }).selectOption('level');
        await p.getByTestId('pin-3').scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'phone-sticky-dark',
      scheme: 'dark',
      phone: true,
      viewportOnly: true,
      run: async (p) => {
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
        await p.getByRole('button', { name: 'Send MSI' }).scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'phone-light',
      scheme: 'light',
      phone: true,
      run: async (p) => {
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
        await p.getByRole('button', { name: 'Step forward (→)' }).click();
      },
    },
  ];
  for (const s of shots) {
    const page = await browser.newPage(
      s.phone
        ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, colorScheme: s.scheme }
        : { viewport: s.size ?? { width: 1440, height: 900 }, colorScheme: s.scheme },
    );
    await page.goto(BASE);
    await page.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
    await s.run(page);
    await page.waitForTimeout(600);
    await page.screenshot({ path: `${OUT}${s.name}.png`, fullPage: !!s.phone && !s.viewportOnly });
    await page.close();
    console.log(`e2e/screenshots/${s.name}.png`);
  }
} finally {
  await browser.close();
  process.kill(-server.pid);
}
