/** Lints in the app (issue 10 §2): a count in the header, a marker on the step, the warning in its banner. */
import { expect, test } from '@playwright/test';
import { bridge, open } from './fixtures.ts';

test('lint warnings are counted in the header, marked on their steps, and explained in the step banner', async ({
  page,
}) => {
  await open(page);
  // The default preset warns of nothing.
  await expect(page.getByTestId('warning-count')).toHaveCount(0);
  await page.getByLabel('Load a preset scenario').selectOption('two-bit-ldr-remote-irr');
  const count = page.getByTestId('warning-count');
  await expect(count).toHaveText('⚠ 3 warnings');
  await expect(page.getByTestId('lint-marker').first()).toBeVisible();
  await page.keyboard.press('Home');
  await expect.poll(async () => (await bridge(page)).step).toBe(0);
  await count.click();
  await expect(page.getByTestId('step-warning')).toContainText('⚠ lost-interrupt: R5.4: pin 10');
  const first = (await bridge(page)).step;
  expect(first).toBeGreaterThan(0);
  // The next click goes on to the next step with a warning.
  await count.click();
  await expect(page.getByTestId('step-warning')).toContainText('⚠ stuck-remote-irr: R5.6 c');
  expect((await bridge(page)).step).toBeGreaterThan(first);
});
