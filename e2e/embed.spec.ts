/** embed.html: a read-only view sized to its frame, stepping through a share link, with a way into the app. */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { encodeFragment } from '../src/share/url.ts';
import { bridge } from './fixtures.ts';
import { PRESETS } from './presets.ts';

const level = PRESETS.find((p) => p.id === 'level-irq')!.text;

test.use({ viewport: { width: 640, height: 400 } });

test('embed: opens a link at its step in a 640×400 frame, steps, plays, links to the app at the same state, edits nothing', async ({
  page,
  context,
}) => {
  await page.goto(`/embed.html#${encodeFragment({ text: level, step: 1 })}`);
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
  await expect(page.getByTestId('embed-step')).toHaveText('step 1 / 6');
  await expect(page.getByTestId('step-action')).toHaveText(/^route 10 /);
  // Sized to its frame: nothing scrolls sideways, the controls are in view.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(640);
  const next = page.getByRole('button', { name: 'Next ▶' });
  await expect(next).toBeInViewport();
  await next.click();
  await expect(page.getByTestId('embed-step')).toHaveText('step 2 / 6');
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  // The why of the step's events.
  await page.getByText(/^Why: the \d+ events of this step$/).click();
  await expect(page.getByTestId('embed-events')).toContainText('kvm_apic_accept_irq');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('embed-step')).toHaveText('step 1 / 6');
  await page.getByRole('button', { name: '▶ Play' }).click();
  await expect(page.getByTestId('embed-step')).toHaveText('step 2 / 6', { timeout: 5000 });
  await page.getByRole('button', { name: '❚❚ Pause' }).click();
  const at = (await bridge(page)).step;
  // No editing: no editor, no action or configuration controls, no form fields at all.
  await expect(page.locator('input, textarea, select')).toHaveCount(0);
  for (const name of ['Run guests', 'assert pin 10', 'EOI', 'Share: copy a link to this exact state'])
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  expect((await bridge(page)).text).toBe(level);
  // "Open in apicscope": the full app at the same state.
  const link = page.getByRole('link', { name: 'Open in apicscope' });
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`^\\./#v=1&k=${at}&s=`));
  await expect(link).toHaveAttribute('target', '_blank');
  const app = await context.newPage();
  await app.goto(new URL(href!, page.url()).href);
  await expect(app.getByTestId('step-of')).toHaveText('/ 6');
  const b = await bridge(app);
  expect(b.step).toBe(at);
  expect(b.text).toBe(level);
  await expect(app.getByRole('button', { name: 'Run guests' })).toBeVisible();
});

for (const scheme of ['light', 'dark'] as const)
  test(`embed: axe finds nothing serious or critical (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 640, height: 400 } });
    const page = await context.newPage();
    await page.goto(`/embed.html#${encodeFragment({ text: level, step: 2 })}`);
    await expect(page.getByTestId('embed-step')).toHaveText('step 2 / 6');
    // The same CSP as the app (no inline script): the page is built from the same template.
    await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
      'content',
      /script-src 'self'/,
    );
    const { violations } = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} ×${v.nodes.length}`),
    ).toEqual([]);
    await context.close();
  });
