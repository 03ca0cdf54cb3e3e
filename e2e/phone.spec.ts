import { expect, test } from '@playwright/test';
import { open } from './fixtures.ts';

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
