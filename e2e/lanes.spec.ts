/** Sub-steps and the delivery lanes: the state after each event, nodes and arrows as the core traces them. */
import { expect, test } from '@playwright/test';
import type { TraceEvent } from '../src/core/events.ts';
import { runScenario } from '../src/replay/run.ts';
import { mustParse } from '../src/replay/testing.ts';
import { applySetting } from '../src/scenario/settings.ts';
import { firstDifference } from '../src/ui/compare/firstDifference.ts';
import { showEventText } from '../src/ui/timeline/eventText.ts';
import type { StepEvents } from '../src/worker/protocol.ts';
import { bridge, loadText, open } from './fixtures.ts';

async function stepEvents(page: import('@playwright/test').Page): Promise<TraceEvent[][]> {
  const text = (await bridge(page)).text;
  const out: TraceEvent[][] = [];
  runScenario(mustParse(text), { onEvents: (_k, ev) => out.push(ev) });
  return out;
}

const subStep = (page: import('@playwright/test').Page) =>
  page.evaluate(() => window.__apicViz!.getState().frame?.event ?? null);

test('sub-steps: after the accept event IRR holds 0x62 and ISR is empty; after the injection the reverse', async ({
  page,
}) => {
  await open(page);
  const events = (await stepEvents(page))[1];
  const accept = events.findIndex((e) => e.type === 'kvm_apic_accept_irq');
  const inject = events.findIndex((e) => e.type === 'kvm_inj_virq');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  const irr = page.getByTestId('vcpu-0').getByRole('grid', { name: /^IRR/ });
  const isr = page.getByTestId('vcpu-0').getByRole('grid', { name: /^ISR/ });
  // The whole step: 0x62 is in service.
  await expect(isr).toHaveAttribute('aria-label', 'ISR (in service): 0x62');
  for (let j = 0; j <= accept; j++) await page.keyboard.press('.');
  await expect.poll(() => subStep(page)).toBe(accept);
  await expect(page.getByTestId('sub-step')).toContainText('kvm_apic_accept_irq');
  await expect(irr).toHaveAttribute('aria-label', /0x62/);
  await expect(isr).toHaveAttribute('aria-label', 'ISR (in service): none');
  for (let j = accept; j < inject; j++) await page.keyboard.press('.');
  await expect.poll(() => subStep(page)).toBe(inject);
  await expect(irr).toHaveAttribute('aria-label', /none/);
  await expect(isr).toHaveAttribute('aria-label', 'ISR (in service): 0x62');
  // Back one event, and the state goes back with it.
  await page.keyboard.press(',');
  await expect.poll(() => subStep(page)).toBe(inject - 1);
  await expect(isr).toHaveAttribute('aria-label', 'ISR (in service): none');
  // Clicking an event in the list selects it; clicking it again shows the whole step.
  await page.getByTestId('events').locator(`[data-event="${accept}"]`).click();
  await expect.poll(() => subStep(page)).toBe(accept);
  await page.getByTestId('events').locator(`[data-event="${accept}"]`).click();
  await expect.poll(() => subStep(page)).toBe(null);
  await expect(isr).toHaveAttribute('aria-label', 'ISR (in service): 0x62');
});

test('the lanes draw every event of the step and an arrow from each cause, as the core traces them', async ({
  page,
}) => {
  await open(page);
  const all = await stepEvents(page);
  for (const k of [1, 2, 5]) {
    await page.evaluate((step) => window.__apicViz!.getState().seek(step), k);
    await expect.poll(async () => (await bridge(page)).step).toBe(k);
    const lanes = page.getByTestId('lanes');
    const events = all[k - 1];
    await expect(lanes.locator('[data-event]')).toHaveCount(events.length);
    const nodes = await lanes
      .locator('[data-event]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-event'))));
    expect(nodes).toEqual(events.map((_e, i) => i));
    const arrows = await lanes
      .locator('[data-from]')
      .evaluateAll((els) =>
        els.map((e) => [Number(e.getAttribute('data-from')), Number(e.getAttribute('data-to'))]),
      );
    const expected = events.flatMap((e, i) => (e.cause === null ? [] : [[e.cause, i]]));
    expect(arrows).toEqual(expected);
  }
  // Clicking a node selects its sub-step.
  await page.getByTestId('lanes').locator('[data-event="2"]').click();
  await expect.poll(() => subStep(page)).toBe(2);
});

test('the lanes draw the columns on screen and half a screen either side; a pan draws the next ones', async ({
  page,
}) => {
  await open(page);
  // A route on 64 vCPUs: a scan request to each, about 100 events in a row.
  await loadText(page, 'vcpus 64\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n', 1);
  const lanes = page.getByTestId('lanes');
  const total = await page.evaluate(() => window.__apicViz!.getState().frame!.events.length);
  const drawn = () =>
    lanes.locator('[data-event]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-event'))));
  const box = (await lanes.boundingBox())!;
  // The columns are numbered as the events: every one on screen is drawn, and not all.
  const onScreen = await lanes
    .locator('[data-event]')
    .evaluateAll(
      (els, right) => els.filter((e) => e.getBoundingClientRect().left < right).length,
      box.x + box.width,
    );
  const before = await drawn();
  expect(before.length).toBeLessThan(total);
  expect(before.length).toBeGreaterThan(onScreen);
  // Half a screen to the right, none to the left of the first: not three screens' worth.
  expect(before.length).toBeLessThanOrEqual(2 * onScreen + 2);
  expect(before).toEqual(before.map((_n, i) => i));
  // Dragged a screen to the left, low in the view (the transport bar stays on top of the page):
  // the columns now on screen are drawn.
  await lanes.evaluate((el) => el.scrollIntoView({ block: 'end' }));
  const view = (await lanes.boundingBox())!;
  const top = view.y + view.height - 20;
  await page.mouse.move(box.x + box.width - 10, top);
  await page.mouse.down();
  await page.mouse.move(box.x + 10, top, { steps: 8 });
  await page.mouse.up();
  await expect.poll(async () => Math.max(...(await drawn()))).toBeGreaterThan(Math.max(...before));
});

test('a storm step collapses its repeated rounds into one ×N group, which expands on click', async ({
  page,
}) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('seoib-quirked-windows');
  await page.keyboard.press('End');
  const lanes = page.getByTestId('lanes');
  const group = lanes.locator('[data-group]');
  await expect(group).toHaveCount(1);
  await expect(group).toContainText(/×\d+ rounds/);
  const total = await page.evaluate(() => window.__apicViz!.getState().frame!.events.length);
  const shown = await lanes.locator('[data-event]').count();
  expect(shown).toBeLessThan(total / 3);
  await group.click();
  // Only what is on screen (and half a screen either side) is drawn; fitting shows it all.
  await page.getByRole('button', { name: 'Fit the whole step' }).click();
  await expect(lanes.locator('[data-event]')).toHaveCount(total);
  // The filter dims what does not match.
  await page.getByLabel(/Filter the lanes/).fill('kvm_userspace_exit');
  const dim = await lanes
    .locator('[data-event]')
    .evaluateAll((els) => els.filter((e) => e.getAttribute('opacity') !== '1').length);
  expect(dim).toBeGreaterThan(total / 2);
});

test('the machine picture animates the selected event, and shows where an EOI stops', async ({ page }) => {
  await open(page);
  await loadText(page, 'vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\n', 2);
  const all = await stepEvents(page);
  const stop = all[1].findIndex((e) => e.type === 'eoi_not_forwarded');
  await page.evaluate((j) => window.__apicViz!.getState().seekEvent(j), stop);
  const picture = page.getByTestId('machine-picture');
  await expect(picture.locator(`[data-hop="${stop}"]`)).toHaveCount(1);
  await expect(picture.locator('[data-stop]')).toHaveAttribute('data-stop', 'not forwarded');
  await expect(page.getByTestId('picture-caption')).toContainText('stops here: not forwarded');
  await expect(picture.locator('animateMotion')).toHaveCount(1);
  // The acceptance travels from the message fabric into vCPU 0's LAPIC and does not stop.
  await page.evaluate(() => window.__apicViz!.getState().seek(1));
  await expect.poll(async () => (await bridge(page)).step).toBe(1);
  const accept = all[0].findIndex((e) => e.type === 'kvm_apic_accept_irq');
  await page.evaluate((j) => window.__apicViz!.getState().seekEvent(j), accept);
  await expect(picture.locator(`[data-hop="${accept}"]`)).toHaveCount(1);
  await expect(picture.locator('[data-stop]')).toHaveCount(0);
  await expect(picture.locator('[data-cpu="0"]')).toContainText('IRR 0x31');
});

test('with prefers-reduced-motion the picture highlights the path without moving anything', async ({
  browser,
}) => {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  await page.keyboard.press('.');
  await page.keyboard.press('.');
  await expect.poll(() => subStep(page)).toBe(1);
  const picture = page.getByTestId('machine-picture');
  await expect(picture.locator('[data-hop]')).toHaveCount(1);
  await expect(picture.locator('animateMotion')).toHaveCount(0);
  await context.close();
});

test('compare: both columns trace, the first difference is named, B has counters, grids mark what differs, both move together', async ({
  page,
}) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('kvm.stale-eoi-rescan');
  await page.getByLabel('Value 1', { exact: true }).selectOption('off');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  const first = page.getByTestId('first-difference');
  // As the core computes it: with the patch, A's stale EOI asks for the rescan where B goes on to
  // the userspace exit request (R7.3 step 2).
  const text = (await bridge(page)).text;
  const traced = (setting?: string) => {
    const s = mustParse(text);
    if (setting) applySetting(s.config, setting);
    const out: StepEvents[] = [];
    runScenario(s, { onEvents: (step, events) => out.push({ step, action: '', events, dropped: 0 }) });
    return out;
  };
  const d = firstDifference(traced(), traced('kvm.stale-eoi-rescan=off'))!;
  expect(d.a).toMatch(/^stale_eoi_rescan/);
  await expect(first).toContainText(`First difference: step ${d.step} event ${d.index}:`);
  // On screen vectors are hex (issue 12.10); the events' own text keeps the kernel's decimal.
  await expect(first).toContainText(`A ${showEventText(d.a!)}, B ${showEventText(d.b!)}`);
  await first.getByRole('button', { name: 'Show it' }).click();
  const subA = () => page.evaluate(() => window.__apicViz!.getState().frame?.event ?? null);
  await expect.poll(subA).not.toBeNull();
  // Both columns' lanes are drawn, and the sub-step selected in A is selected in B too.
  const event = await subA();
  await expect(page.getByTestId('lanes-A').locator(`[data-event="${event}"] circle`)).toHaveAttribute(
    'r',
    '9',
  );
  await expect(page.getByTestId('lanes-B').locator(`[data-event="${event}"] circle`)).toHaveAttribute(
    'r',
    '9',
  );
  // B shows its own counters: the needless exit is counted there only.
  await page.keyboard.press('End');
  const count = (side: string) =>
    page
      .getByTestId(`side-${side}`)
      .getByTestId('counters')
      .evaluate((dl) => {
        const row = Array.from(dl.children).find(
          (r) => r.querySelector('dt')?.textContent === 'ioapic-eoi-exits',
        );
        return Number(row?.querySelector('dd')?.textContent ?? 'NaN');
      });
  await expect.poll(() => count('B')).toBeGreaterThan(await count('A'));
});

test('compare: exports hold both columns', async ({ page }) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('kvm.stale-eoi-rescan');
  await page.getByLabel('Value 1', { exact: true }).selectOption('off');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByTestId('first-difference')).toBeVisible();
  let download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Export the trace with reasons' }).click();
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(await (await download).path(), 'utf8');
  expect(text).toContain('# A\n');
  expect(text).toContain('# B (kvm.stale-eoi-rescan=off)');
  download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Export for Perfetto (Chrome trace JSON)' }).click();
  const json = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  const processes = json.traceEvents.filter((e: { name: string }) => e.name === 'process_name');
  expect(processes.map((e: { pid: number }) => e.pid)).toEqual([1, 2]);
  download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: /SVG/ }).click();
  const svg = readFileSync(await (await download).path(), 'utf8');
  expect(svg).toContain('A: ');
  expect(svg).toContain('B (kvm.stale-eoi-rescan=off): ');
});

test('a link carries the sub-step (e=) and opening it restores it', async ({ page }) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
  for (let i = 0; i < 4; i++) await page.keyboard.press('.');
  await expect.poll(() => subStep(page)).toBe(3);
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/&k=2&e=3&/);
  const url = page.url();
  const other = await page.context().newPage();
  await other.goto(url);
  await expect.poll(() => subStep(other)).toBe(3);
  await expect.poll(async () => (await bridge(other)).step).toBe(2);
  await expect(other.getByTestId('sub-step')).toContainText('Event 3');
});

test("the machine picture says what KVM's APIC map and APICv are doing (R4.8, R11.1)", async ({ page }) => {
  await open(page);
  const kvm = page.getByTestId('kvm-state');
  await expect(kvm).toContainText('APIC map valid');
  await page.getByLabel('Load a preset scenario').selectOption('two-bit-ldr-remote-irr');
  await page.keyboard.press('End');
  await expect(kvm).toContainText('logical map disabled');
  await loadText(page, 'vcpus 2\napic xapic\napicv on\ncpu 1 apic-id 0x05000000\n');
  await page.keyboard.press('End');
  await expect(kvm).toContainText('APICv inhibited (APIC_ID_MODIFIED)');
});

test('a step that touches 4096 vCPUs: 24 lanes until "Show all lanes", events a page at a time, touched cards drawn near the screen', async ({
  page,
}) => {
  await open(page);
  await loadText(page, 'vcpus 4096\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\n', 1);
  const lanes = page.getByTestId('lanes');
  // Devices / IOAPIC, KVM / QEMU and the first 22 vCPUs; the rest are counted, with their events.
  await expect(lanes).toHaveAttribute('aria-label', /events shown on 24 lanes/);
  await expect(page.getByText(/^\d[\d,]* more vCPU lanes and their events are not drawn/)).toBeVisible();
  // A filter brings its vCPU's lane among the drawn ones.
  await page.getByLabel(/Filter the lanes/).fill('cpu:900');
  await expect(lanes.locator('text', { hasText: 'vCPU 900' })).toHaveCount(1);
  await page.getByLabel(/Filter the lanes/).fill('');
  await page.getByRole('button', { name: 'Show all lanes' }).click();
  await expect(lanes).not.toHaveAttribute('aria-label', /on 24 lanes/);
  await expect(page.getByText(/more vCPU lanes/)).toHaveCount(0);
  // 3000 events kept for the step: 25 drawn, 25 more when the list is scrolled to its end
  // (once: the rows come in above the button, which leaves the view), or on request.
  const events = page.getByTestId('events');
  await expect(events.locator('[data-event]')).toHaveCount(25);
  await events.evaluate((el) => {
    el.scrollIntoView({ block: 'end' });
    el.scrollTop = el.scrollHeight;
  });
  await expect(events.locator('[data-event]')).toHaveCount(50);
  await page.waitForTimeout(300);
  await expect(events.locator('[data-event]')).toHaveCount(50);
  await events
    .getByRole('button', { name: /^Show more \(50 of 3,000 events shown\)/ })
    .dispatchEvent('click');
  await expect(events.locator('[data-event]')).toHaveCount(75);
  // The next step starts again from one page.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  await expect(lanes).toHaveAttribute('aria-label', /on [1-9]\d? lanes/);
  // vCPU 0's card (touched) is drawn once it is scrolled near.
  const card = page.getByTestId('vcpu-0');
  await page.getByRole('region', { name: /^All 4,096 vCPUs/ }).scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 1500);
  await expect(card).toBeVisible();
});

test('the lanes load apart from the first scripts; if they cannot, they say so and the page works on', async ({
  page,
}) => {
  const asked: string[] = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await page.route(/\/assets\/LanesView-[^/]+\.js$/, (r) => r.abort());
  await open(page);
  // Not among the scripts the page needs first (index.html preloads none of it).
  const html = await (await page.request.get('/')).text();
  expect(html).not.toMatch(/LanesView-/);
  await page.keyboard.press('ArrowRight');
  await expect(
    page.getByRole('alert').filter({ hasText: 'The delivery lanes could not be loaded' }),
  ).toBeVisible();
  expect(asked.some((p) => /\/assets\/LanesView-/.test(p))).toBe(true);
  // The rest of the page still steps and shows the state.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
});
