/**
 * Accessibility: axe-core (WCAG 2.0/2.1 A and AA) on every view in both themes finds nothing
 * serious or critical; the keyboard reaches the content quickly (skip link, roving tabindex in
 * grids) and tab lists move with the arrow keys (WAI-ARIA tabs pattern).
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { encodeFragment } from '../src/share/url.ts';
import { bridge, loadText, open } from './fixtures.ts';
import { PRESETS } from './presets.ts';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const text = (id: string) => PRESETS.find((p) => p.id === id)!.text;
const ready = async (page: Page) => expect.poll(async () => (await bridge(page)).status).toBe('ready');

/** Each view: how to get there from a freshly opened app. */
const VIEWS: [string, (page: Page) => Promise<void>][] = [
  ['main view at step 0', async () => {}],
  [
    'main view mid-preset, lanes and machine picture on a sub-step',
    async (page) => {
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('.');
      await expect(page.getByRole('region', { name: 'Delivery lanes' })).toBeVisible();
      await expect(page.getByRole('region', { name: 'Machine picture' })).toBeVisible();
    },
  ],
  [
    'compare (two sides)',
    async (page) => {
      await page.goto(
        `/#${encodeFragment({ text: text('stale-eoi-split-patched'), step: 12, compare: ['kvm.stale-eoi-rescan=off'] })}`,
      );
      await expect(page.getByTestId('differences')).toContainText('Differences after step 12');
    },
  ],
  [
    'editor',
    async (page) => {
      await page.getByRole('tab', { name: 'Scenario' }).click();
      await expect(page.getByLabel('Scenario text')).toBeVisible();
    },
  ],
  [
    'help overlay',
    async (page) => {
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard and legend' })).toBeVisible();
    },
  ],
  [
    'share dialog',
    async (page) => {
      await page.getByRole('button', { name: /^Share/ }).click();
      await expect(page.getByRole('dialog', { name: 'Share link' })).toBeVisible();
    },
  ],
  [
    'config panel',
    async (page) => {
      await page.getByRole('tab', { name: 'Configuration' }).click();
      await expect(page.getByRole('form', { name: 'Configuration' })).toBeVisible();
    },
  ],
  [
    'a Secure AVIC preset',
    async (page) => {
      await page.getByLabel('Load a preset scenario').selectOption('savic-shadow-isr');
      await ready(page);
      await page.keyboard.press('End');
      await expect(page.getByText('KVM shadow ISR').first()).toBeVisible();
    },
  ],
  [
    'the discard dialog (an action at an earlier step)',
    async (page) => {
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await expect.poll(async () => (await bridge(page)).step).toBe(2);
      await page.getByRole('button', { name: 'Send MSI' }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
    },
  ],
  [
    'teaching mode asking a question',
    async (page) => {
      await page.getByLabel('Load a preset scenario').selectOption('teach-level-irq');
      await ready(page);
      await page.getByRole('switch', { name: 'Teach' }).click();
      await page.keyboard.press('ArrowRight');
      await expect(page.getByTestId('teach').getByRole('heading')).toContainText('Predict step 1');
    },
  ],
  [
    'the trace import dialog',
    async (page) => {
      await page.getByText('File ▾').click();
      await page.getByRole('menuitem', { name: /Paste a KVM trace/ }).click();
      await expect(page.getByRole('dialog', { name: 'Replay a KVM trace' })).toBeVisible();
    },
  ],
  [
    'a 64-vCPU scenario',
    async (page) => {
      await loadText(page, 'vcpus 64\nmsi dest=40 vector=0x41\nmsi dest=0xff vector=0x31\n', 2);
      await expect(page.getByTestId('vcpu-overview')).toBeVisible();
    },
  ],
];

// axe walks the whole page; on a loaded machine one analysis takes tens of seconds.
test.setTimeout(120_000);

const report: string[] = [];

for (const scheme of ['light', 'dark'] as const) {
  for (const [name, reach] of VIEWS) {
    test(`axe: ${name}, ${scheme}: no serious or critical violations`, async ({ browser }) => {
      const context = await browser.newContext({
        colorScheme: scheme,
        viewport: { width: 1440, height: 900 },
      });
      const page = await context.newPage();
      await open(page);
      await reach(page);
      await ready(page);
      await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
      const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of violations)
        report.push(
          `${scheme}\t${name}\t${v.impact}\t${v.id}\t${v.nodes.length}\t${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(' '))
            .join(' | ')}`,
        );
      if (process.env.A11Y_REPORT)
        console.log(
          violations
            .map(
              (v) =>
                `${scheme} ${name}: ${v.impact} ${v.id} ×${v.nodes.length}\n  ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1] ?? ''}`).join('\n  ')}`,
            )
            .join('\n'),
        );
      expect(bad.map((v) => `${v.id} (${v.impact}) ×${v.nodes.length}`)).toEqual([]);
      await context.close();
    });
  }
}

/** What has focus: its role, name and tabindex (the accessible name as the page states it). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      role: el?.getAttribute('role') ?? el?.tagName.toLowerCase() ?? '',
      name: el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '',
      inSteps: !!el?.closest('#step-list'),
    };
  });

test('the first Tab stop is a skip link to the step list; the second skips to the machine state', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('button', { name: 'Skip to the step list' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  // Focus lands on the current step's row, and Enter there does not change the step.
  const current = page.locator('#step-list [aria-current="step"]');
  await expect(current).toBeFocused();
  await expect(current).toContainText('route 10');
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#v=1&k=1&/);
  // From another panel, the link brings the timeline back first.
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await skip.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Timeline' })).toHaveAttribute('aria-selected', 'true');
  await expect(current).toBeFocused();
  await skip.focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Skip to the machine state' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
});

test('Tab order: the step list is reached in few Tab presses; a vCPU card is a handful of stops, not 12', async ({
  page,
}) => {
  await open(page);
  let presses = 0;
  for (; presses < 80; ) {
    await page.keyboard.press('Tab');
    presses++;
    if ((await focused(page)).inSteps) break;
  }
  // Past the two skip links, the header's seven controls (preset, Teach, Compare, Share, File,
  // theme, Help) and the tab list: the 11th stop (was the 69th).
  expect(presses).toBe(11);
  // The list is one Tab stop: the next Tab leaves it for the events of the step.
  await page.keyboard.press('Tab');
  expect((await focused(page)).inSteps).toBe(false);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#step-list li').nth(1).getByRole('button')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await bridge(page)).step).toBe(1);
  // A vCPU card's Tab stops: its grids (one each), its action toolbar, the More toggle.
  const stops = await page
    .getByTestId('vcpu-0')
    .evaluate(
      (card) =>
        Array.from(card.querySelectorAll<HTMLElement>('button, input, select, summary, [tabindex]')).filter(
          (el) => el.tabIndex >= 0 && !el.closest('details:not([open]) > :not(summary)'),
        ).length,
    );
  expect(stops).toBeLessThanOrEqual(6);
});

test('tabs: arrow keys, Home and End move the selection (WAI-ARIA tabs) without stepping the timeline', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(1);
  const tab = (name: string) => page.getByRole('tab', { name });
  await tab('Timeline').focus();
  // One Tab stop: the selected tab.
  await expect(tab('Timeline')).toHaveAttribute('tabindex', '0');
  await expect(tab('Scenario')).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('ArrowRight');
  await expect(tab('Scenario')).toBeFocused();
  await expect(tab('Scenario')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText(/./);
  await expect(page.getByLabel('Scenario text')).toBeVisible();
  await page.keyboard.press('End');
  await expect(tab('Configuration')).toBeFocused();
  await expect(tab('Configuration')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(tab('Timeline')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(tab('Configuration')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(tab('Timeline')).toHaveAttribute('aria-selected', 'true');
  await expect(tab('Configuration')).toHaveAttribute('tabindex', '-1');
  // None of those keys reached the timeline.
  expect((await bridge(page)).step).toBe(1);
  const panel = page.getByRole('tabpanel');
  await expect(panel).toHaveAttribute('aria-labelledby', (await tab('Timeline').getAttribute('id'))!);
});

test('a bit grid is one Tab stop; arrows move its named cell ("IRR vector 0x62 (class 6): set") with a tooltip', async ({
  page,
}) => {
  await open(page);
  // Right after the accept event of `assert 10`: 0x62 is pending in vCPU 0's IRR.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  // The keys only ask for step 2: its frame (and its events) arrive from the worker later.
  await expect.poll(() => page.evaluate(() => window.__apicViz!.getState().frame?.step)).toBe(2);
  const events = await page.evaluate(() => window.__apicViz!.getState().frame!.events.map((e) => e.type));
  expect(events).toContain('kvm_apic_accept_irq');
  await page.evaluate(
    (k) => window.__apicViz!.getState().seekEvent(k),
    events.indexOf('kvm_apic_accept_irq'),
  );
  const grid = page.getByTestId('vcpu-0').getByRole('grid', { name: /^IRR/ });
  await expect(grid).toHaveAttribute('aria-label', 'IRR (pending): 0x62');
  const cell = grid.getByRole('gridcell');
  await expect(cell).toHaveCount(1);
  await cell.focus();
  await expect(cell).toHaveAttribute('aria-label', 'IRR vector 0xf0 (class 15): clear');
  // Down 9 rows (class 15 → 6), right 2 columns: 0x62.
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(cell).toBeFocused();
  await expect(cell).toHaveAttribute('aria-label', 'IRR vector 0x62 (class 6): set, changed by this step');
  await expect(cell).toHaveAttribute('aria-selected', 'true');
  await expect(grid.getByRole('row')).toHaveAttribute('aria-rowindex', '10');
  await expect(cell).toHaveAttribute('aria-colindex', '3');
  await expect(page.getByRole('tooltip')).toContainText('IRR vector 0x62, class 6: in IRR, TMR');
  await page.keyboard.press('End');
  await expect(cell).toHaveAttribute('aria-label', 'IRR vector 0x6f (class 6): clear');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  await expect(cell).toHaveAttribute('aria-label', 'IRR vector 0x70 (class 7): clear');
  // The arrows, Home and End stayed in the grid: the timeline did not move.
  expect((await bridge(page)).step).toBe(2);
  // ISR's grid is its own Tab stop.
  await page.keyboard.press('Tab');
  expect((await focused(page)).name).toMatch(/^ISR vector 0xf0/);
});

test("a vCPU card's actions are one toolbar: arrows move between them, Tab leaves", async ({ page }) => {
  await open(page);
  const bar = page.getByRole('toolbar', { name: 'vCPU 0 actions' });
  await bar.getByRole('button', { name: 'EOI', exact: true }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(bar.getByRole('button', { name: 'iret' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(bar.getByRole('button', { name: /^write the IOAPIC EOI/ })).toBeFocused();
  // The level IRQ's service comes first (before the EOI it must precede, issue 12.9).
  await page.keyboard.press('Home');
  await expect(bar.getByLabel('service pin', { exact: true })).toBeFocused();
  await bar.getByRole('button', { name: 'EOI', exact: true }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(bar.getByRole('button', { name: /^service the device on pin/ })).toBeFocused();
  // In a text field the arrows move the caret; at its edge they move on.
  await bar.getByLabel('TPR', { exact: true }).focus();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowRight');
  await expect(bar.getByRole('button', { name: 'set TPR on vCPU 0' })).toBeFocused();
  expect((await bridge(page)).step).toBe(0);
  const stops = await bar.evaluate(
    (el) =>
      Array.from(el.querySelectorAll<HTMLElement>('button, input')).filter((b) => b.tabIndex === 0).length,
  );
  expect(stops).toBe(1);
});

test('compare: ids are unique and landmarks are told apart (axe landmark-unique, duplicate ids)', async ({
  page,
}) => {
  await page.goto(
    `/#${encodeFragment({ text: text('stale-eoi-split-patched'), step: 12, compare: ['kvm.stale-eoi-rescan=off'] })}`,
  );
  await expect(page.getByTestId('differences')).toContainText('Differences after step 12');
  const dups = await page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  });
  expect(dups).toEqual([]);
  const { violations } = await new AxeBuilder({ page })
    .withRules(['landmark-unique', 'duplicate-id-aria', 'aria-valid-attr-value'])
    .analyze();
  expect(violations.map((v) => `${v.id} ×${v.nodes.length}: ${v.nodes[0].target.join(' ')}`)).toEqual([]);
});

test('a vCPU card\'s heading reads "vCPU 0 · x2APIC …", its number apart from its mode (not "vCPU 0x2apic")', async ({
  page,
}) => {
  await open(page);
  const card = page.getByTestId('vcpu-0');
  const heading = card.getByRole('heading', { level: 3 });
  await expect(heading).toHaveAccessibleName(/^vCPU 0 · \S/);
  expect(await heading.evaluate((h) => h.textContent)).not.toMatch(/^vCPU 0x/);
});
