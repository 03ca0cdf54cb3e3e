import { expect, test } from '@playwright/test';
import { bridge, open } from './fixtures.ts';

test('on a phone the app stacks into one column, fits the width, and steps by touch', async ({ page }) => {
  await open(page);
  const width = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  expect(width.page).toBeLessThanOrEqual(width.view + 1);
  await page.getByRole('button', { name: 'Step forward (→)' }).tap();
  await page.getByRole('button', { name: 'Step forward (→)' }).tap();
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  await expect(page.getByTestId('vcpu-0').getByRole('grid', { name: /^ISR/ })).toHaveAttribute(
    'aria-label',
    'ISR (in service): 0x62',
  );
  await page.getByRole('tab', { name: 'Timeline' }).scrollIntoViewIfNeeded();
  await expect(page.getByTestId('events')).toContainText('kvm_inj_virq');
});

test('at 390x844: no sideways scroll, a readable heading, the why by the step buttons, A|B in Compare (issue 12.8)', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page);
  const fits = () => page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);
  expect(await fits()).toBe(true);
  const title = page.getByTestId('title');
  expect(await title.evaluate((h) => h.clientWidth >= 200 && h.scrollWidth <= h.clientWidth)).toBe(true);
  await page.getByRole('button', { name: 'Step forward (→)' }).tap();
  await page.getByRole('button', { name: 'Step forward (→)' }).tap();
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  // The events with their whys start within a screen of the step buttons, not below every card.
  const gap = await page.evaluate(() => {
    const b = document.querySelector('[aria-label="Step forward (→)"]')!.getBoundingClientRect();
    const w = document.querySelector('[data-testid="events"]')!.getBoundingClientRect();
    return w.top - b.bottom;
  });
  expect(gap).toBeLessThan(844);
  // Acting on a lower card keeps the transport and the step in view (sticky, compact).
  await page.getByRole('button', { name: 'Send MSI' }).scrollIntoViewIfNeeded();
  const stuck = await page.evaluate(() => {
    const t = document.querySelector('[data-testid="transport"]')!.getBoundingClientRect();
    const s = document.querySelector('[data-testid="sticky-step"]')!.getBoundingClientRect();
    return { top: t.top, height: s.height, scrolled: window.scrollY };
  });
  expect(stuck.scrolled).toBeGreaterThan(1000);
  expect(stuck.top).toBeGreaterThanOrEqual(0);
  expect(stuck.height).toBeLessThan(844 / 2);
  // Compare stacks A above B and offers a switch between them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByRole('button', { name: 'Compare' }).tap();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('apicv');
  await page.getByLabel('Value 1', { exact: true }).selectOption('on');
  await page.getByRole('button', { name: 'Apply', exact: true }).tap();
  await expect(page.getByTestId('side-B')).toBeAttached();
  expect(await fits()).toBe(true);
  await page.getByRole('button', { name: 'Jump to column B' }).tap();
  await expect
    .poll(() =>
      page.getByTestId('side-B').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight / 2;
      }),
    )
    .toBe(true);
  await page.getByRole('button', { name: 'Jump to column A' }).tap();
  await expect
    .poll(() =>
      page
        .getByTestId('side-A')
        .evaluate(
          (el) =>
            el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().top < window.innerHeight / 2,
        ),
    )
    .toBe(true);
  expect((await bridge(page)).step).toBe(2);
});
