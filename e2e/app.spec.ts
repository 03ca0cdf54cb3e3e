import { expect, test } from '@playwright/test';
import { countersTotals } from '../src/core/counters.ts';
import { cpuSet } from '../src/core/inspect.ts';
import { mustParse } from '../src/replay/testing.ts';
import { Timeline } from '../src/replay/timeline.ts';
import { printAction } from '../src/scenario/print.ts';
import { bridge, counters, loadText, open } from './fixtures.ts';
import { PRESETS } from './presets.ts';

test('opens on the level-IRQ preset at its start, ready to step through', async ({ page }) => {
  await open(page);
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
  await expect(page.getByLabel('Current step')).toContainText('Start');
  await expect(page.getByTestId('vcpu-0')).toBeVisible();
  await expect(page.getByTestId('pin-10')).toBeVisible();
});

test('every preset loads from the picker and ends in the state the command line computes', async ({
  page,
}) => {
  test.setTimeout(180_000); // every preset in turn (there are about thirty)
  await open(page);
  for (const p of PRESETS) {
    const s = mustParse(p.text);
    await page.getByLabel('Load a preset scenario').selectOption(p.id);
    await expect(page.getByTestId('title')).toHaveText(s.config.title!);
    await expect(page.getByTestId('step-of')).toHaveText(`/ ${s.steps.length}`);
    await page.getByRole('button', { name: 'Jump to the end (End)' }).click();
    await expect(page.getByTestId('step-action')).toHaveText(printAction(s.steps.at(-1)!.action));
    const expected = countersTotals(
      new Timeline(
        s.config,
        s.steps.map((st) => st.action),
      ).last.counters,
    );
    await expect.poll(() => counters(page)).toEqual(expected);
    await expect(page.getByText(/^✗ line/)).toHaveCount(0);
  }
});

test('stepping forward and back shows the states the core computes for each step', async ({ page }) => {
  await open(page);
  const text = (await bridge(page)).text;
  const s = mustParse(text);
  const t = new Timeline(
    s.config,
    s.steps.map((st) => st.action),
  );
  const isrLabel = (k: number) => {
    const v = cpuSet(t.stateAt(k).cpus[0], 'isr');
    return `ISR (in service): ${v.length ? v.map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(', ') : 'none'}`;
  };
  const isr = page.getByTestId('vcpu-0').getByRole('grid', { name: /^ISR/ });
  for (let k = 1; k <= s.steps.length; k++) {
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('step-action')).toHaveText(printAction(s.steps[k - 1].action));
    await expect(isr).toHaveAttribute('aria-label', isrLabel(k));
  }
  for (let k = s.steps.length - 1; k >= 0; k--) {
    await page.keyboard.press('ArrowLeft');
    await expect(isr).toHaveAttribute('aria-label', isrLabel(k));
  }
  expect((await bridge(page)).step).toBe(0);
});

test('editing an RTE in place appends a route step and shows the KVM scan', async ({ page }) => {
  await open(page);
  await page.keyboard.press('End');
  const dest = page.getByLabel('pin 10 destination', { exact: true });
  await dest.fill('1');
  await dest.press('Enter');
  await expect(page.getByTestId('step-action')).toHaveText('route 10 dest=1');
  await expect(page.getByTestId('events')).toContainText('scan_ioapic');
  await expect(page.getByTestId('vcpu-1').getByRole('grid', { name: /^handled vectors/ })).toHaveAttribute(
    'aria-label',
    'handled vectors: 0x62',
  );
  expect((await bridge(page)).text.trim().endsWith('route 10 dest=1')).toBe(true);
});

test('acting before the last step asks first; undo brings the discarded steps back', async ({ page }) => {
  await open(page);
  const before = (await bridge(page)).text;
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.getByRole('button', { name: 'pulse pin 10' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Discard 4 later steps?');
  await dialog.getByRole('button', { name: 'Discard and act' }).click();
  await expect(page.getByTestId('step-of')).toHaveText('/ 3');
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await bridge(page)).text).toBe(before);
  await expect(page.getByTestId('step-of')).toHaveText('/ 6');
});

test('a broken scenario in the editor is reported at its line and keeps the session', async ({ page }) => {
  await open(page);
  await page.getByRole('tab', { name: 'Scenario' }).click();
  const before = await bridge(page);
  const editor = page.getByLabel('Scenario text');
  await editor.fill(`${before.text}\nroute 30 vector=0x31\nasert 3`);
  await page.getByRole('button', { name: /Apply/ }).click();
  const errors = page.getByTestId('editor-errors');
  await expect(errors).toContainText('pin 30 is out of range 0–23');
  await expect(errors).toContainText("unknown statement 'asert' (did you mean 'assert'?)");
  const after = await bridge(page);
  expect(after.text).toBe(before.text);
  expect(after.length).toBe(before.length);
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
});

test('a storm run reports progress, keeps the page responsive, and stops as run K', async ({ page }) => {
  await open(page);
  // Each pin's storm ends after the storm limit's million EOIs (the deferral lets the guest's
  // task quiet the device): 24 of them keep the worker busy for tens of millions of guest steps.
  const pins = Array.from(
    { length: 24 },
    (_, i) => `route ${i} vector=0x${(0xa0 + i).toString(16)} trigger=level dest=${i} mask=0\nassert ${i}`,
  );
  await loadText(
    page,
    `vcpus 24\nkvm storm-limit=1000000\nguest all profile=windows\nrun\n${pins.join('\n')}\n`,
  );
  await page.getByLabel('run', { exact: true }).fill('1000000000');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const stop = page.getByTitle('Stop the run (Space)');
  await expect(stop).toBeVisible();
  await expect
    .poll(async () => Number(((await stop.innerText()).match(/Stop ([\d,]+)/)?.[1] ?? '0').replace(/,/g, '')))
    .toBeGreaterThan(2000);
  // The UI thread stays free: a tab switch answers while the worker storms, and the run goes on.
  // (How fast is the bench's business: storm64_longest_task_ms; a wall-clock bound here would
  // measure the machine's load, not the app.)
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await expect(page.getByRole('tab', { name: 'Configuration' })).toHaveAttribute('aria-selected', 'true');
  await expect(stop).toBeVisible();
  await stop.click();
  await expect(page.getByRole('button', { name: 'Run guests' })).toBeVisible();
  const s = await bridge(page);
  const last = s.text.trim().split('\n').at(-1)!;
  expect(last).toMatch(/^run \d+$/);
  expect(Number(last.slice(4))).toBeGreaterThan(2000);
  expect(s.length).toBe(50);
});

test('keyboard only: step, help, theme and run without a mouse', async ({ page }) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('j');
  expect((await bridge(page)).step).toBe(2);
  await page.keyboard.press('k');
  await page.keyboard.press('End');
  expect((await bridge(page)).step).toBe(6);
  await page.keyboard.press('Home');
  await expect(page.getByLabel('Current step')).toContainText('Start');
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard and legend' });
  await expect(help).toBeVisible();
  await expect(page.getByRole('button', { name: 'Close help' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.keyboard.press('g');
  await expect(page.getByLabel('Jump to step')).toBeFocused();
  await page.getByLabel('Jump to step').fill('4');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await bridge(page)).step).toBe(4);
  // Tab reaches the step controls and activates them with Enter.
  await page.getByRole('button', { name: 'Step back (←)' }).focus();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await bridge(page)).step).toBe(3);
});

test('dark theme follows the system and the t key toggles it', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await open(page);
  await expect(page.locator('html')).toHaveClass(/dark/);
  const look = () =>
    page.evaluate(() => ({
      scheme: getComputedStyle(document.documentElement).colorScheme,
      bg: getComputedStyle(document.body).backgroundColor,
    }));
  const dark = await look();
  expect(dark.scheme).toBe('dark');
  await page.keyboard.press('t');
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  const light = await look();
  expect(light.scheme).toBe('light');
  expect(light.bg).not.toBe(dark.bg);
  await context.close();
});

test('a crashed worker is restarted from the scenario with nothing lost', async ({ page }) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const before = await bridge(page);
  await page.evaluate(() => window.__apicViz!.testHooks.crashWorker());
  await expect(page.getByTestId('notice')).toContainText('The emulator crashed');
  await expect(page.getByTestId('notice')).toContainText('nothing you did is lost');
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  const after = await bridge(page);
  expect(after.text).toBe(before.text);
  expect(after.step).toBe(2);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(3);
});

test('4096 vCPUs load, the overview scrolls, and a selected vCPU gets its card', async ({ page }) => {
  await open(page);
  await loadText(page, 'vcpus 4096\nmsi dest=4000 vector=0x41\nmsi dest=0xff vector=0x31\n');
  const overview = page.getByTestId('vcpu-overview');
  await expect(overview).toBeVisible();
  await overview.evaluate((el) => {
    el.scrollTop = 4000 * 22;
  });
  const row = page.getByRole('button', { name: /^vCPU 4000: IRR/ });
  await expect(row).toBeVisible();
  await row.click();
  await expect(page.getByTestId('vcpu-4000')).toBeVisible();
  await expect(page.getByTestId('vcpu-4000').getByRole('grid', { name: /^ISR/ })).toHaveAttribute(
    'aria-label',
    'ISR (in service): 0x41',
  );
});
