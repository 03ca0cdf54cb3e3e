/** Issue 9: the VM's life strip for a migration preset, and two SEOIB policies side by side. */
import { expect, test } from '@playwright/test';
import { open } from './fixtures.ts';

test('the life strip shows power-on and migrations with each leg, the mode in force and failures', async ({
  page,
}) => {
  await open(page);
  // The default preset has no life to speak of: no strip.
  await expect(page.getByTestId('life-strip')).toHaveCount(0);
  await page.getByLabel('Load a preset scenario').selectOption('seoib-rfc-1-incoming-migration');
  await page.keyboard.press('End');
  const strip = page.getByTestId('life-strip');
  await expect(strip).toBeVisible();
  const entries = strip.getByTestId('life-entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toHaveAttribute('data-kind', 'power-on');
  await expect(entries.nth(0)).toContainText('leg 0: quirked · pc-q35-10.2 · seoib-api');
  await expect(entries.nth(1)).toHaveAttribute('data-kind', 'migrate');
  await expect(entries.nth(1)).toHaveAttribute('data-ok', 'yes');
  await expect(entries.nth(1)).toContainText('leg 1: auto');
  // before-load: KVM ended ENABLED while QEMU's state says QUIRKED (R8.11).
  await expect(entries.nth(1)).toContainText('KVM enabled · QEMU quirked');
  await expect(strip.getByTestId('life-now')).toContainText('leg 1 · policy auto');
  // A failed migration: the VM stays on leg 0.
  await page.getByLabel('Load a preset scenario').selectOption('seoib-rfc-4-auto-policy');
  await page.keyboard.press('End');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(1)).toHaveAttribute('data-ok', 'no');
  await expect(entries.nth(1)).toContainText('failed: unknown-subsection');
  await expect(strip.getByTestId('life-now')).toContainText('leg 0 · policy auto · pc-q35-10.1');
  // Step back to the start: only the power-on is left.
  await page.keyboard.press('Home');
  await expect(entries).toHaveCount(1);
});

test('compare puts two QEMU policies side by side on the same life', async ({ page }) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('seoib-rfc-6-explicit-property');
  await page.getByRole('button', { name: 'Compare' }).click();
  // The preset opens Compare with its candidate policy: a row of the grammar's qemu.seoib-policy.
  await expect(page.getByLabel('Switch 1', { exact: true })).toHaveValue('qemu.seoib-policy');
  await expect(page.getByLabel('Value 1', { exact: true })).toHaveValue('respected');
  await expect(page.getByTestId('first-difference')).toBeVisible();
  await page.keyboard.press('End');
  const count = (side: string, name: string) =>
    page
      .getByTestId(`side-${side}`)
      .getByTestId('counters')
      .evaluate((dl, n) => {
        const row = Array.from(dl.children).find((r) => r.querySelector('dt')?.textContent === n);
        return Number(row?.querySelector('dd')?.textContent ?? 'NaN');
      }, name);
  // quirked (A) keeps the Windows storm; respected (B) honours SPIV[12]: no storm, no EOI exits.
  await expect.poll(() => count('A', 'storms')).toBe(1);
  await expect.poll(() => count('B', 'storms')).toBe(0);
  await expect.poll(() => count('B', 'ioapic-eoi-exits')).toBe(0);
  await expect.poll(() => count('A', 'ioapic-eoi-exits')).toBeGreaterThan(0);
});
