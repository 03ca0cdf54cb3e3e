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
  await p.getByLabel('Switch 1', { exact: true }).selectOption('kvm.stale-eoi-rescan');
  await p.getByLabel('Value 1', { exact: true }).selectOption('off');
  await p.getByRole('button', { name: 'Apply', exact: true }).click();
}

/** The reference panel on a rule cited with a step, from the event list of step 1. */
async function openRule(p) {
  await p.keyboard.press('ArrowRight');
  await p.getByTestId('events').getByRole('button', { name: 'R5.5 step 6' }).first().click();
}

/** The reference panel's language tab on the `kvm` statement, from Help. */
async function openLanguage(p) {
  await p.getByRole('button', { name: 'Keyboard shortcuts and legend (?)' }).click();
  await p.getByRole('button', { name: 'Language reference' }).click();
  await p.getByTestId('ref-section-title').waitFor();
  const fold = p.getByRole('button', { name: 'Show the index' }); // on a phone
  if (await fold.isVisible()) await fold.click();
  await p.getByTestId('ref-statement-index').getByRole('button', { name: 'kvm', exact: true }).click();
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
      name: 'editor-completion-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.getByRole('tab', { name: 'Scenario' }).click();
        const editor = p.getByLabel('Scenario text');
        await editor.fill('vcpus 2\nirqchip split\n');
        await editor.press('Control+End');
        await editor.pressSequentially('kvm seoib=auto ');
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
      name: 'seoib-life-light',
      scheme: 'light',
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('seoib-rfc-2-loadvm-quirked');
        await p.keyboard.press('End');
      },
    },
    {
      name: 'seoib-life-1280-dark',
      scheme: 'dark',
      size: { width: 1280, height: 720 },
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('seoib-rfc-4-auto-policy');
        await p.keyboard.press('End');
        await p.getByTestId('life-strip').scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'seoib-life-phone-dark',
      scheme: 'dark',
      phone: true,
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('seoib-rfc-6-explicit-property');
        await p.keyboard.press('End');
      },
    },
    {
      name: 'seoib-compare-light',
      scheme: 'light',
      run: async (p) => {
        await p.getByLabel('Load a preset scenario').selectOption('seoib-rfc-6-explicit-property');
        await p.getByRole('button', { name: 'Compare' }).click();
        await p.waitForTimeout(500);
        await p.keyboard.press('End');
      },
    },
    {
      name: 'help-dark',
      scheme: 'dark',
      run: async (p) => {
        await p.keyboard.press('?');
      },
    },
    { name: 'reference-rule-light', scheme: 'light', run: openRule },
    { name: 'reference-language-dark', scheme: 'dark', run: openLanguage },
    {
      name: 'reference-1280-dark',
      scheme: 'dark',
      size: { width: 1280, height: 720 },
      run: async (p) => {
        await p.getByRole('tab', { name: 'Configuration' }).click();
        await p.getByRole('button', { name: 'R8.4', exact: true }).click();
      },
    },
    { name: 'reference-1280-light', scheme: 'light', size: { width: 1280, height: 720 }, run: openLanguage },
    { name: 'reference-phone-light', scheme: 'light', phone: true, viewportOnly: true, run: openRule },
    { name: 'reference-phone-dark', scheme: 'dark', phone: true, viewportOnly: true, run: openLanguage },
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
  // Accessibility, teaching and embed views at the three sizes, light and dark.
  const SIZES = [
    ['1440', { width: 1440, height: 900 }],
    ['1280', { width: 1280, height: 720 }],
    ['phone', null],
  ];
  for (const [size, viewport] of SIZES)
    for (const scheme of ['light', 'dark']) {
      const base = { scheme, phone: viewport === null, size: viewport ?? undefined };
      shots.push(
        {
          // A step of a 4096-vCPU VM that touches every vCPU: capped lanes, a paged event list.
          ...base,
          name: `large-step-${size}-${scheme}`,
          run: async (p) => {
            await p.evaluate(() =>
              window.__apicViz
                .getState()
                .load('vcpus 4096\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\n', 1),
            );
            await p.waitForFunction(() => {
              const s = window.__apicViz.getState();
              return s.status === 'ready' && s.frame?.step === 1 && s.info?.vcpus === 4096;
            });
            await p.getByText(/more vCPU lanes/).scrollIntoViewIfNeeded();
          },
        },
        {
          // A 150 000-line scenario in the Scenario view: its lines listed, read-only, until asked to edit.
          ...base,
          name: `long-text-${size}-${scheme}`,
          run: async (p) => {
            await p.evaluate(() =>
              window.__apicViz.getState().load(`vcpus 4096\n${'cpu 4095 eoi\n'.repeat(150_000)}`, 75_000),
            );
            await p.waitForFunction(
              () => window.__apicViz.getState().info?.steps.length === 150_000,
              undefined,
              {
                timeout: 60_000,
              },
            );
            await p.getByRole('tab', { name: 'Scenario' }).click();
            await p.getByTestId('long-text').scrollIntoViewIfNeeded();
          },
        },
        {
          // A step with 30 notes and 25 failed expectations: the banner lists 20 of each, counts the rest.
          ...base,
          name: `banner-more-${size}-${scheme}`,
          run: async (p) => {
            const notes = Array.from({ length: 30 }, (_, i) => `note "note ${i + 1} of this step"`).join(
              '\n',
            );
            const fails = Array.from(
              { length: 25 },
              (_, i) => `expect cpu 0 isr has 0x${(0x40 + i).toString(16)}`,
            ).join('\n');
            await p.evaluate(
              (t) => window.__apicViz.getState().load(t, 1),
              `title "Many notes"\nvcpus 1\n${notes}\nmsi dest=0 vector=0x31\n${fails}\n`,
            );
            await p.getByTestId('banner-more').first().waitFor();
            // The banner scrolls within its own box: show its end, where the counts are.
            await p.getByTestId('step-banner').evaluate((el) => {
              el.scrollTop = el.scrollHeight;
            });
          },
        },
        {
          ...base,
          name: `grid-focus-${size}-${scheme}`,
          run: async (p) => {
            await p.keyboard.press('ArrowRight');
            await p.keyboard.press('ArrowRight');
            const cell = p.getByTestId('vcpu-0').getByRole('grid', { name: /^ISR/ }).getByRole('gridcell');
            await cell.focus();
            for (let i = 0; i < 9; i++) await p.keyboard.press('ArrowDown');
            await p.keyboard.press('ArrowRight');
            await p.keyboard.press('ArrowRight');
            if (!base.phone)
              await cell.evaluate((el) => el.closest('article').scrollIntoView({ block: 'center' }));
          },
        },
        {
          ...base,
          name: `teach-${size}-${scheme}`,
          run: async (p) => {
            await p.getByLabel('Load a preset scenario').selectOption('teach-level-irq');
            await p.waitForFunction(() => window.__apicViz?.getState().info?.title?.startsWith('Teaching'));
            await p.getByRole('switch', { name: 'Teach' }).click();
            await p.getByRole('button', { name: 'Step forward (→)' }).click();
            await p.getByTestId('teach').getByRole('button', { name: 'No', exact: true }).click();
            await p.waitForTimeout(300);
            await p.getByRole('button', { name: 'Next step (→)' }).click();
            await p.getByTestId('teach').getByRole('button', { name: 'vCPU 0', exact: true }).click();
            await p.getByTestId('verdict').waitFor();
          },
        },
        {
          ...base,
          name: `embed-${size}-${scheme}`,
          run: async (p) => {
            await p.keyboard.press('ArrowRight');
            await p.keyboard.press('ArrowRight');
            await p.waitForFunction(() => location.hash.includes('k=2'));
            await p.goto(`${BASE}embed.html${await p.evaluate(() => location.hash)}`);
            await p.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
            await p.getByText(/^Why: the \d+ events/).click();
          },
        },
      );
    }
  // The embed as a slide or course page frames it.
  for (const scheme of ['light', 'dark'])
    shots.push({
      name: `embed-640x400-${scheme}`,
      scheme,
      size: { width: 640, height: 400 },
      run: async (p) => {
        await p.keyboard.press('ArrowRight');
        await p.keyboard.press('ArrowRight');
        await p.waitForFunction(() => location.hash.includes('k=2'));
        await p.goto(`${BASE}embed.html${await p.evaluate(() => location.hash)}`);
        await p.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
      },
    });
  // SHOTS=a,b takes only the shots whose names are or start with one of them (SHOTS=reference:
  // every reference shot; SHOTS=seoib-life-light,help-dark: those two); the others stay as committed.
  const only = (process.env.SHOTS ?? '').split(',').filter(Boolean);
  for (const s of shots.filter((x) => only.length === 0 || only.some((o) => x.name.startsWith(o)))) {
    const page = await browser.newPage(
      s.phone
        ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, colorScheme: s.scheme }
        : { viewport: s.size ?? { width: 1440, height: 900 }, colorScheme: s.scheme },
    );
    await page.goto(BASE);
    await page.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
    await s.run(page);
    const full = !!s.phone && !s.viewportOnly;
    // A full-page capture draws below the viewport without scrolling there: the cards skipped
    // off screen (content-visibility: auto) would show empty, as no user scrolling sees them.
    if (full)
      await page.addStyleTag({ content: '.skip-offscreen { content-visibility: visible !important; }' });
    await page.waitForTimeout(600);
    await page.screenshot({ path: `${OUT}${s.name}.png`, fullPage: full });
    await page.close();
    console.log(`e2e/screenshots/${s.name}.png`);
  }
} finally {
  await browser.close();
  process.kill(-server.pid);
}
