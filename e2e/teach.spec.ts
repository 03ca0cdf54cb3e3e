/** Teaching mode: predict the next step, see the answer the model gives with its why, keep a score. */
import { expect, test } from '@playwright/test';
import { bridge, open } from './fixtures.ts';

test('teach: a preset asks before each step; wrong and right answers are judged by the model and scored', async ({
  page,
}) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('teach-level-irq');
  await expect(page.getByTestId('title')).toHaveText('Teaching: predict a level IRQ, step by step');
  // The switch is keyboard reachable: focus it and press Enter (Space runs the guests wherever
  // focus is, issue 12.1).
  const sw = page.getByRole('switch', { name: 'Teach' });
  await sw.focus();
  await page.keyboard.press('Enter');
  await expect(sw).toHaveAttribute('aria-checked', 'true');
  const teach = page.getByTestId('teach');
  const verdict = page.getByTestId('verdict');
  // Step 1 has no ask of its own: a question derived from the machine (is anything in service?).
  await page.keyboard.press('ArrowRight');
  await expect(teach.getByRole('heading')).toHaveText(
    /^Predict step 1: After route 10 .*, does any vCPU have a vector in service \(ISR\)\?$/,
  );
  // The step is not shown until the learner answers.
  expect((await bridge(page)).step).toBe(0);
  await expect(teach.getByRole('button', { name: 'Yes' })).toBeFocused();
  await page.keyboard.press('Enter'); // "Yes": wrong, routing a pin delivers nothing
  await expect(verdict).toContainText('Not quite: No.');
  await expect.poll(async () => (await bridge(page)).step).toBe(1);
  await expect(page.getByTestId('score')).toHaveText('Score 0 / 1');
  // Step 2: the preset's own question; the choices are the machine's vCPUs.
  await page.keyboard.press('ArrowRight');
  await expect(teach.getByRole('heading')).toHaveText('Predict step 2: Which vCPU takes vector 0x62?');
  await expect(teach.getByRole('toolbar').getByRole('button')).toHaveText(['vCPU 0', 'vCPU 1', 'no vCPU']);
  await teach.getByRole('button', { name: 'vCPU 1' }).click();
  await expect(verdict).toContainText('Right: vCPU 1.');
  await expect(verdict).toContainText('Why: vCPU 1:');
  await expect(page.getByTestId('score')).toHaveText('Score 1 / 2');
  expect((await bridge(page)).step).toBe(2);
  // Step 3: remote IRR absorbs the second assert: no vCPU takes it.
  await page.getByRole('button', { name: 'Next step (→)' }).click();
  await expect(teach.getByRole('heading')).toHaveText(
    'Predict step 3: Which vCPU takes vector 0x62 this time?',
  );
  await teach.getByRole('button', { name: 'vCPU 1' }).click();
  await expect(verdict).toContainText('Not quite: no vCPU.');
  await expect(verdict).toContainText('No vCPU accepted 0x62 in this step.');
  await expect(page.getByTestId('score')).toHaveText('Score 1 / 3');
  // Step 4 and 5: remote IRR stays set after service; the EOI reaches the IOAPIC.
  await page.keyboard.press('ArrowRight');
  await teach.getByRole('button', { name: 'Yes' }).click();
  await expect(verdict).toContainText('Right: Yes.');
  await page.keyboard.press('ArrowRight');
  await expect(teach.getByRole('heading')).toHaveText('Predict step 5: Does this EOI reach the IOAPIC?');
  await teach.getByRole('button', { name: 'No' }).click();
  await expect(verdict).toContainText('Not quite: Yes.');
  await expect(page.getByTestId('score')).toHaveText('Score 2 / 5');
  // Stepping back asks nothing; off, stepping forward shows the step at once.
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await bridge(page)).step).toBe(4);
  await sw.click();
  await expect(teach).toHaveCount(0);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(5);
});
