/** The Explore panel (issue 10): runs in the worker, lists violations, opens a counterexample. */
import { expect, test } from '@playwright/test';
import { seed001 } from '../src/explore/testing.ts';
import { bridge, loadText, open } from './fixtures.ts';

const SEED = seed001;

test('explores in the worker, lists the violation with its why, and opens the counterexample at the failing step', async ({
  page,
}) => {
  await open(page);
  await loadText(page, SEED('off'));
  const panel = page.getByRole('region', { name: 'Explore' });
  await panel.getByRole('textbox', { name: 'Depth' }).fill('6');
  await panel.getByRole('button', { name: 'Explore', exact: true }).click();
  const open8 = panel.getByRole('button', { name: 'Open the counterexample of needless-eoi-exit at step 8' });
  await expect(open8).toBeVisible();
  await expect(panel.getByText(/^R7\.3: the EOI of 0x62 on vCPU 0 was broadcast/)).toBeVisible();
  await expect(panel.getByTestId('explore-stats')).toContainText('depth 6 (cut: depth)');
  await open8.click();
  await expect.poll(async () => (await bridge(page)).step).toBe(8);
  const b = await bridge(page);
  expect(b.length).toBe(8);
  expect(b.text).toMatch(
    /cpu 0 iret\nmsi dest=0 vector=0x62\nnote "R7\.3: [^\n]*"\ncpu 0 eoi\nexpect count needless-eoi-exits cpu=0 vector=0x62 <= 0\n$/,
  );
  // The counterexample's last expectation fails there, as `apicscope run` says.
  await expect(page.getByText(/^✗ line/).first()).toBeVisible();
});

test('says nothing is violated with the rescan patch, and Stop ends a long search', async ({ page }) => {
  await open(page);
  await loadText(page, SEED('on'));
  const panel = page.getByRole('region', { name: 'Explore' });
  await panel.getByRole('textbox', { name: 'Depth' }).fill('6');
  await panel.getByRole('button', { name: 'Explore', exact: true }).click();
  await expect(panel.getByTestId('explore-none')).toHaveText('No property violated within depth 6.');
  // A search far too large to finish: Stop ends it and shows what it found.
  await loadText(
    page,
    'vcpus 2\nroute 3 vector=0x33 trigger=level dest=0 mask=0\nroute 4 vector=0x44 trigger=level dest=1 mask=0\nexplore lints none\n',
  );
  await panel.getByRole('textbox', { name: 'Depth' }).fill('30');
  await panel.getByRole('button', { name: 'Explore', exact: true }).click();
  await expect(panel.getByLabel('Exploration depth')).toBeVisible();
  await panel.getByRole('button', { name: 'Stop exploring' }).click();
  await expect(panel.getByTestId('explore-stats')).toContainText('(cut: stopped)');
});
