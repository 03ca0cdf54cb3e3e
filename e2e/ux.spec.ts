/** Issue 12 (behaviour and layout): keys, modal dialogs, the place kept, layouts that fit. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { encodeFragment } from '../src/share/url.ts';
import { bridge, loadText, open } from './fixtures.ts';

test('Space after clicking a button runs the guests, never re-fires the button (issue 12.1)', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('End');
  await expect.poll(async () => (await bridge(page)).step).toBe(6);
  await page.getByRole('button', { name: 'Send MSI' }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  await page.keyboard.press(' ');
  // Space runs the guests (the run ends by itself: the language's `run`), not a second `msi`.
  await expect.poll(async () => (await bridge(page)).text.trim().split('\n').at(-1)).toMatch(/^run/);
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  const t = (await bridge(page)).text;
  expect(t.match(/^msi /gm)?.length ?? 0).toBe(1);
  // A focused checkbox or select does not swallow the shortcuts either.
  await page.getByLabel('Load a preset scenario').focus();
  const before = (await bridge(page)).step;
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await bridge(page)).step).toBe(before - 1);
  expect((await bridge(page)).text).toBe(t);
});

test('typing in a text field still types: shortcuts stay out of inputs (issue 12.1)', async ({ page }) => {
  await open(page);
  const vector = page.getByLabel('vector', { exact: true }).first();
  await vector.fill('');
  await vector.type('j k .');
  await expect(vector).toHaveValue('j k .');
  expect((await bridge(page)).step).toBe(0);
});

test('a configuration change keeps the step on screen (issue 12.4)', async ({ page }) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await page.getByLabel('APICv', { exact: true }).selectOption('on');
  await expect.poll(async () => (await bridge(page)).text).toMatch(/^apicv on/m);
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  const s = await bridge(page);
  expect(s.step).toBe(2);
  expect(s.length).toBe(6);
  await expect(page.getByLabel('Jump to step')).toHaveValue('2');
  // Undo returns to the same step too.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await bridge(page)).text).not.toMatch(/^apicv on/m);
  expect((await bridge(page)).step).toBe(2);
});

/** Whether focus is inside the open dialog. */
const focusInDialog = (page: import('@playwright/test').Page) =>
  page.evaluate(() => !!document.activeElement?.closest('dialog[open]'));

test('dialogs are modal: Esc closes, Tab stays inside, the timeline behind takes no keys (issue 12.5)', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  const before = (await bridge(page)).text;
  await page.getByRole('button', { name: 'Send MSI' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('discard-question')).toHaveText('Discard 4 later steps?');
  // Timeline keys do nothing to the page behind, and the question stays true.
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('j');
  expect((await bridge(page)).step).toBe(2);
  await expect(page.getByTestId('discard-question')).toHaveText('Discard 4 later steps?');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInDialog(page)).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await focusInDialog(page)).toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  const s = await bridge(page);
  expect(s.text).toBe(before);
  expect(s.step).toBe(2);
  // Confirming acts at the step the question named: 2 steps kept, then the msi.
  await page.getByRole('button', { name: 'Send MSI' }).click();
  await page.getByRole('button', { name: 'Discard and act' }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(3);
  expect((await bridge(page)).text.trim().split('\n').at(-1)).toMatch(/^msi /);
});

test('Help and Share are modal too: Esc closes them, keys stay out of the page behind (issue 12.5)', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard and legend' });
  await expect(help).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('t');
  expect((await bridge(page)).step).toBe(0);
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInDialog(page)).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(1);
  await page.getByRole('button', { name: /^Share/ }).click();
  const share = page.getByRole('dialog', { name: 'Share link' });
  await expect(share).toBeVisible();
  await page.keyboard.press('Home');
  expect((await bridge(page)).step).toBe(1);
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    expect(await focusInDialog(page)).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(share).toHaveCount(0);
});

/** Whether the element is wholly inside the viewport. */
async function inView(page: import('@playwright/test').Page, testId: string): Promise<boolean> {
  return page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1;
  });
}

test('the transport, the step banner and its why stay in view while acting on lower cards (issue 12.7)', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.getByRole('button', { name: 'Send IPI' }).scrollIntoViewIfNeeded();
  await page.getByTestId('vcpu-1').scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  expect(await inView(page, 'transport')).toBe(true);
  expect(await inView(page, 'step-banner')).toBe(true);
  await expect(page.getByTestId('step-banner')).toContainText('remote IRR=1');
  // A sub-step's why is in the banner, in view too.
  await page.keyboard.press('.');
  await expect(page.getByTestId('sub-step')).toBeVisible();
  expect(await inView(page, 'sub-step')).toBe(true);
  // During a long run the Stop button and the progress are in view.
  await page.evaluate(() =>
    window
      .__apicViz!.getState()
      .load(
        'vcpus 4096\nkvm storm-limit=1000000\nguest all profile=windows\nroute 5 vector=0xa2 trigger=level dest=0 mask=0\nassert 5\n',
        undefined,
        true,
      ),
  );
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  await page.evaluate(() => window.__apicViz!.getState().startRun(100_000_000));
  await page.getByRole('button', { name: 'Send IPI' }).scrollIntoViewIfNeeded();
  const stop = page.getByTitle('Stop the run (Space)');
  await expect(stop).toBeVisible();
  await expect(stop).toHaveText(/Stop [\d,]+ \/ 100,000,000/);
  expect(await inView(page, 'transport')).toBe(true);
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  await stop.click();
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
});

/** Scroll boxes whose content is wider than they are (a table or a picture cut at their edge). */
function cutBoxes(page: import('@playwright/test').Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('table')]
      .map((t) => t.parentElement!)
      .filter((box) => box.scrollWidth > box.clientWidth + 1)
      .map(
        (box) =>
          `${box.closest('section')?.getAttribute('aria-label') ?? 'table'}: ${box.scrollWidth}>${box.clientWidth}`,
      ),
  );
}

test('at 1280x720 nothing is cut: the IOAPIC table, Compare tables, the title (issue 12.8)', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await open(page);
  expect(await cutBoxes(page)).toEqual([]);
  const title = page.getByTestId('title');
  await expect(title).toHaveText('A level-triggered IRQ, end to end');
  expect(await title.evaluate((h) => h.scrollWidth <= h.clientWidth && h.clientWidth > 200)).toBe(true);
  // The last column of the IOAPIC table ("storm") is inside the card.
  const storm = page.getByRole('columnheader', { name: 'storm' });
  expect(
    await storm.evaluate((th) => {
      const card = th.closest('section')!.getBoundingClientRect();
      return th.getBoundingClientRect().right <= card.right;
    }),
  ).toBe(true);
  await page.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('kvm.stale-eoi-rescan');
  await page.getByLabel('Value 1', { exact: true }).selectOption('off');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByTestId('side-B')).toBeVisible();
  expect(await cutBoxes(page)).toEqual([]);
  expect(await title.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
});

test('teaching flow: route a new pin without showing all 24, the whole entry as ONE step (issue 12.9)', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('End');
  await expect.poll(async () => (await bridge(page)).step).toBe(6);
  await expect(page.getByTestId('pin-3')).toHaveCount(0);
  await page.getByLabel('Route a pin: its number (0–23)').fill('3');
  await page.getByRole('button', { name: 'Add row' }).click();
  await expect(page.getByTestId('pin-3')).toBeVisible();
  await expect(page.getByLabel('show all 24 pins')).not.toBeChecked();
  await page.getByLabel('pin 3 vector', { exact: true }).fill('0x33');
  await page.getByLabel('pin 3 trigger', { exact: true }).selectOption('level');
  await page.getByLabel('pin 3 destination', { exact: true }).fill('1');
  await page.getByLabel('pin 3 masked').click();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  expect((await bridge(page)).text.trim().split('\n').at(-1)).toBe('unmask 3');
  // Nothing of the staged edit has become a step yet; the Route button commits it as one.
  await page.getByLabel('pin 3 vector', { exact: true }).fill('0x33');
  await page.getByLabel('pin 3 trigger', { exact: true }).selectOption('level');
  await page.getByLabel('pin 3 destination', { exact: true }).fill('1');
  expect((await bridge(page)).length).toBe(7);
  await page.getByRole('button', { name: /^Route pin 3/ }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(8);
  expect((await bridge(page)).text.trim().split('\n').at(-1)).toBe(
    'route 3 vector=0x33 trigger=level dest=1',
  );
  await expect(page.getByLabel('pin 3 vector', { exact: true })).toHaveValue('0x33');
  await expect(page.getByRole('button', { name: /^Route pin 3/ })).toHaveCount(0);
});

test('teaching flow: a blank scenario to start from; the level IRQ story by hand with service in sight (issue 12.9)', async ({
  page,
}) => {
  await open(page);
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'New scenario: 1 vCPU, nothing routed' }).click();
  await expect(page.getByTestId('step-of')).toHaveText('/ 0');
  await expect(page.getByTestId('title')).toHaveText('New scenario');
  await expect(page.getByTestId('vcpu-0')).toBeVisible();
  await expect(page.getByTestId('vcpu-1')).toHaveCount(0);
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'New scenario: 2 vCPUs, nothing routed' }).click();
  await expect(page.getByTestId('vcpu-1')).toBeVisible();
  await expect(page.locator('[data-testid^="pin-"]')).toHaveCount(0);
  // Route pin 10 level to vCPU 0 in one step, assert it, then service and EOI from the card.
  await page.getByLabel('Route a pin: its number (0–23)').fill('10');
  await page.getByRole('button', { name: 'Add row' }).click();
  await page.getByLabel('pin 10 vector', { exact: true }).fill('0x62');
  await page.getByLabel('pin 10 trigger', { exact: true }).selectOption('level');
  await page.getByLabel('pin 10 vector', { exact: true }).press('Enter');
  await expect(page.getByTestId('step-action')).toHaveText('route 10 vector=0x62 trigger=level');
  await page.getByLabel('pin 10 masked').click();
  await expect(page.getByTestId('step-action')).toHaveText('unmask 10');
  await page.getByRole('button', { name: 'assert pin 10', exact: true }).click();
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  // The service button is in the card's main row, not under "More".
  const service = page.getByRole('button', { name: 'service the device on pin 10 from vCPU 0' });
  await expect(service).toBeVisible();
  await service.click();
  await expect(page.getByTestId('step-action')).toHaveText('cpu 0 service 10');
  await expect(page.getByTestId('pin-10')).toContainText('low');
});

test('details: vectors in hex, fields not cut, handled 0x00 explained, shadow ISR colour, one name (issue 12.10)', async ({
  page,
}) => {
  await open(page);
  await expect(page.getByTestId('vcpu-0').getByTestId('handled-0x00')).toContainText('pin 8');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const fields = page.getByTestId('event-fields');
  await expect(page.getByTestId('events')).toContainText('vec 0x62');
  await expect(page.getByTestId('events')).not.toContainText(/vec 98\b/);
  expect(await fields.evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length)).toBe(
    0,
  );
  await page.keyboard.press('End'); // at the last step, so the action below appends to the session
  // Secure AVIC's shadow ISR has a colour of its own, far from IRR's.
  const hues = await page.evaluate(() => {
    const css = getComputedStyle(document.documentElement);
    const hue = (v: string) => {
      const n = Number.parseInt(css.getPropertyValue(v).trim().slice(1), 16);
      const [r, g, b] = [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
      const max = Math.max(r, g, b);
      const d = max - Math.min(r, g, b);
      const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
      return (h * 60 + 360) % 360;
    };
    return { irr: hue('--irr'), shadow: hue('--shadow'), isr: hue('--isr') };
  });
  const apart = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));
  expect(apart(hues.irr, hues.shadow)).toBeGreaterThan(40);
  expect(apart(hues.isr, hues.shadow)).toBeGreaterThan(40);
  // After an action the heading and the picker name the same thing.
  await page.getByRole('button', { name: 'Send MSI' }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  // A step with no note of its own still says why (every preset step has a note; a recorded one has none).
  await expect(page.getByTestId('step-why')).not.toBeEmpty();
  const name = 'A level-triggered IRQ, end to end (edited)';
  await expect(page.getByTestId('title')).toHaveText(name);
  await expect(page.getByLabel('Load a preset scenario').locator('option:checked')).toHaveText(name);
});

test('Back after a series of clicks stays in the app; Forward restores the state and the undo stack (issue 12.11)', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('End');
  await expect.poll(async () => (await bridge(page)).step).toBe(6);
  const undoDepth = () => page.evaluate(() => window.__apicViz!.getState().undoStack.length);
  await page.getByRole('button', { name: 'Send MSI' }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  await page.getByRole('button', { name: 'Send IPI' }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(8);
  await page.getByRole('button', { name: 'Wait', exact: true }).click();
  await expect.poll(async () => (await bridge(page)).length).toBe(9);
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  const depth = await undoDepth();
  expect(depth).toBeGreaterThanOrEqual(3);
  await page.goBack();
  await expect.poll(async () => (await bridge(page)).length).toBe(8);
  await page.goBack();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  await page.goBack();
  await expect.poll(async () => (await bridge(page)).length).toBe(6);
  expect(page.url()).toContain('#v=1');
  await page.goForward();
  await expect.poll(async () => (await bridge(page)).length).toBe(7);
  await page.goForward();
  await page.goForward();
  await expect.poll(async () => (await bridge(page)).length).toBe(9);
  await expect.poll(undoDepth).toBe(depth);
  // The undo stack is the one the state had: Undo takes back the wait.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await bridge(page)).length).toBe(8);
});

test('a downloaded .apic reopens at its step (the # apicscope: step comment) (issue 12.11)', async ({
  page,
}) => {
  await open(page);
  const text =
    'title "Three steps"\nvcpus 1\nmsi dest=0 vector=0x41\nmsi dest=0 vector=0x42\nmsi dest=0 vector=0x43\n';
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'three.apic', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await expect(page.getByTestId('title')).toHaveText('Three steps');
  expect((await bridge(page)).step).toBe(0);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  const download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Download the scenario (.apic)' }).click();
  const file = readFileSync(await (await download).path(), 'utf8');
  expect(file).toBe(`# apicscope: step 2\n${text}`);
  await page.keyboard.press('Home');
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'three.apic', mimeType: 'text/plain', buffer: Buffer.from(file) });
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  expect((await bridge(page)).text).toBe(text);
});

test('links keep pinned vCPU cards and "show all 24 pins" (issue 12.11)', async ({ page }) => {
  await open(page);
  await loadText(page, 'vcpus 32\nmsi dest=20 vector=0x41\n', 1);
  await expect(page.getByTestId('vcpu-20')).toBeVisible();
  await page.evaluate(() => window.__apicViz!.getState().toggleSelected(25));
  await expect(page.getByTestId('vcpu-25')).toBeVisible();
  await page.getByLabel('show all 24 pins').check();
  await expect(page.getByTestId('pin-23')).toBeVisible();
  await expect(page).toHaveURL(/&p=25&pins=all&s=/);
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await expect(page.getByTestId('vcpu-25')).toBeVisible();
  await expect(page.getByLabel('show all 24 pins')).toBeChecked();
  await expect(page.getByTestId('pin-23')).toBeVisible();
});

test('a link shows its progress with the first paint, before the stylesheet arrives (issue 12.3)', async ({
  page,
}) => {
  // The stylesheet is held back: the boot progress (styled inline) must paint without it, and
  // the app must not render until it is there (no unstyled flash).
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  await page.route('**/*.css', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/', { waitUntil: 'commit' });
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByName('first-contentful-paint').length))
    .toBe(1);
  await expect(page.getByRole('progressbar')).toBeVisible();
  await expect(page.getByRole('progressbar')).toHaveCSS('width', '192px');
  expect(await page.evaluate(() => window.__apicViz === undefined)).toBe(true);
  release();
  await expect(page.getByTestId('step-of')).toBeVisible();
});

test('cards off screen are skipped (not styled, laid out or painted) until scrolled near, and printed whole', async ({
  page,
}) => {
  await open(page);
  // Four cards on show: the forms and Explore are screens below the top.
  await page.evaluate(() => {
    for (const i of [1, 2, 3]) window.__apicViz!.getState().toggleSelected(i);
  });
  await loadText(page, 'vcpus 4\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\n', 2);
  // checkVisibility with contentVisibilityAuto: false where the browser skips the element's content.
  const shown = (name: RegExp) =>
    page
      .getByRole('region', { name })
      .first()
      .evaluate((el) => el.firstElementChild!.checkVisibility({ contentVisibilityAuto: true }));
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect.poll(() => shown(/^Explore/)).toBe(false);
  await expect.poll(() => shown(/^Machine picture/)).toBe(true);
  await page
    .getByRole('region', { name: /^Explore/ })
    .first()
    .scrollIntoViewIfNeeded();
  await expect.poll(() => shown(/^Explore/)).toBe(true);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.emulateMedia({ media: 'print' });
  await expect.poll(() => shown(/^Explore/)).toBe(true);
});

test("a live run updates the registers and counts, not the cards' actions or the IOAPIC's editors", async ({
  page,
}) => {
  await open(page);
  // Eight pins storming (the bench's storm on 2 vCPUs): a run of about 16 M guest steps, seconds
  // long on any machine.
  const pins = Array.from(
    { length: 8 },
    (_, i) =>
      `route ${i} vector=0x${(0xa0 + i).toString(16)} trigger=level dest=${i % 2} mask=0\nassert ${i}`,
  );
  await loadText(
    page,
    `vcpus 2\nkvm storm-limit=1000000\nguest all profile=windows\nrun\n${pins.join('\n')}\n`,
    17,
  );
  // React rewrites an input's name and type whenever it renders it again: a form control that a
  // live frame re-rendered shows up as attribute writes.
  const counts = await page.evaluate(async () => {
    const inForms = (n: Node) => {
      const e = n instanceof Element ? n : n.parentElement;
      return !!e?.closest('input, select, [role="toolbar"], form');
    };
    let controls = 0;
    let live = 0;
    const mo = new MutationObserver((recs) => {
      for (const r of recs) {
        if (!r.target.parentElement?.closest('article[aria-label^="vCPU"], section')) continue;
        if (r.type === 'attributes' && inForms(r.target)) controls++;
        else live++;
      }
    });
    const s = window.__apicViz!;
    s.getState().startRun(1_000_000_000);
    await new Promise((r) => setTimeout(r, 400));
    mo.observe(document.body, { subtree: true, attributes: true, characterData: true, childList: true });
    const steps = s.getState().run?.steps ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    mo.disconnect();
    const moved = (s.getState().run?.steps ?? 0) > steps;
    s.getState().stopRun();
    return { controls, live, moved };
  });
  expect(counts.moved).toBe(true);
  expect(counts.live).toBeGreaterThan(0);
  expect(counts.controls).toBe(0);
});

test('a link to a 4096-vCPU storm state: only its progress until that state is there, then that step (issue 12.3)', async ({
  page,
}) => {
  // The heavy link of the issue: a windows storm on 4096 vCPUs, as recorded after Stop.
  const text =
    'vcpus 4096\nkvm storm-limit=1000000\nguest all profile=windows\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\nrun 1000000\n';
  const fragment = encodeFragment({ text, step: 3 });
  expect(fragment.length).toBeLessThan(200);
  // Every frame until the state is there: what the page shows.
  await page.addInitScript(() => {
    const seen: { stepOf: string | null; forms: number; progress: boolean; h1: string | null }[] = [];
    (window as unknown as { __frames: typeof seen }).__frames = seen;
    const look = () => {
      seen.push({
        stepOf: document.querySelector('[data-testid="step-of"]')?.textContent ?? null,
        forms: document.querySelectorAll('main button:not([disabled]), main input:not([disabled])').length,
        progress: document.querySelector('[role="progressbar"]') !== null,
        h1: document.querySelector('h1')?.textContent ?? null,
      });
      if (window.__apicViz?.getState().frame?.step !== 3) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  await page.goto(`/#${fragment}`, { waitUntil: 'commit' });
  await expect(page.getByRole('progressbar')).toBeVisible();
  await page.waitForFunction(() => window.__apicViz?.getState().frame?.step === 3, undefined, {
    timeout: 60_000,
  });
  const frames = await page.evaluate(
    () =>
      (
        window as unknown as {
          __frames: { stepOf: string | null; forms: number; progress: boolean; h1: string | null }[];
        }
      ).__frames,
  );
  const before = frames.slice(0, -1);
  expect(before.length).toBeGreaterThan(0);
  // Until then: the progress, no step count, no live form, no other scenario's name.
  for (const f of before) {
    expect(f.stepOf, JSON.stringify(f)).toBeNull();
    expect(f.forms, JSON.stringify(f)).toBe(0);
    expect(f.h1 ?? '', JSON.stringify(f)).not.toMatch(/level-triggered/i);
  }
  expect(before.some((f) => f.progress)).toBe(true);
  // Then that step of that scenario, with its actions.
  await expect(page.getByTestId('step-of')).toHaveText('/ 3');
  await expect(page.getByTestId('step-action')).toHaveText('run 1000000');
  await expect(page.getByRole('heading', { level: 1 })).not.toContainText('level-triggered');
});
