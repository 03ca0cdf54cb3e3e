/**
 * One declared grammar in the UI (issue 11): the configuration panel's switches come from the
 * grammar's table, forms build typed actions (a wrong field says why, in the parser's words),
 * and the scenario editor completes statements, keys and values from the same tables.
 */
import { expect, test } from '@playwright/test';
import { bridge, loadText, open } from './fixtures.ts';

test('the configuration panel shows every KVM switch from the grammar and writes its line', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page);
  await loadText(page, 'vcpus 1\nmsi dest=0 vector=0x31\n');
  await page.getByRole('tab', { name: 'Configuration' }).click();
  const form = page.getByRole('form', { name: 'Configuration' });
  for (const label of [
    'stale-EOI rescan',
    'Suppress EOI Broadcast',
    'PV EOI offered',
    'PV EOI disable fix',
    'Secure AVIC EOI write check',
    'vector hashing',
    'storm limit',
  ])
    await expect(form.getByLabel(label, { exact: true })).toBeVisible();
  // The row's tooltip is the grammar's help and rule.
  await expect(form.locator('[title="lowest-priority arbitration (R4.7)"]')).toContainText('vector hashing');
  await form.getByLabel('vector hashing', { exact: true }).selectOption('off');
  await expect.poll(async () => (await bridge(page)).text).toContain('kvm vector-hashing=off\n');
  await form.getByLabel('storm limit', { exact: true }).fill('7');
  await form.getByLabel('storm limit', { exact: true }).press('Enter');
  await expect
    .poll(async () => (await bridge(page)).text)
    .toContain('kvm vector-hashing=off storm-limit=7\n');
  expect(errors).toEqual([]);
});

test('forms build typed actions: a wrong field says why and adds nothing', async ({ page }) => {
  await open(page);
  await loadText(page, 'vcpus 2\n');
  const msi = page.getByRole('group', { name: /^MSI/ });
  await msi.getByLabel('vector').fill('0x4g');
  await msi.getByRole('button', { name: 'Send MSI' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not added:' })).toContainText(
    "'0x4g' is not a number: write decimal (48) or hex (0x30)",
  );
  expect((await bridge(page)).length).toBe(0);
  await msi.getByLabel('vector').fill('0x41');
  await msi.getByLabel('trigger').selectOption('level');
  await msi.getByRole('button', { name: 'Send MSI' }).click();
  await expect(page.getByTestId('step-action')).toHaveText('msi dest=0 vector=0x41 trigger=level');
  await expect(page.getByRole('alert').filter({ hasText: 'Not added:' })).toHaveCount(0);
  await page.getByTestId('vcpu-0').getByLabel('TPR', { exact: true }).fill('0x1000000000');
  await page.getByRole('button', { name: 'set TPR on vCPU 0' }).click();
  await expect(page.getByTestId('vcpu-0').getByRole('alert')).toHaveText(
    'Not added: tpr value 0x1000000000 is out of range 0–0xffffffff',
  );
  await page.getByTestId('vcpu-0').getByLabel('TPR', { exact: true }).fill('0x20');
  await page.getByRole('button', { name: 'set TPR on vCPU 0' }).click();
  await expect(page.getByTestId('step-action')).toHaveText('cpu 0 tpr 0x20');
});

test('the editor completes statements, kvm switches and their values from the grammar, by keyboard', async ({
  page,
}) => {
  await open(page);
  await loadText(page, 'vcpus 1\n');
  await page.getByRole('tab', { name: 'Scenario' }).click();
  const editor = page.getByLabel('Scenario text');
  const list = page.getByRole('listbox', { name: 'Completions' });
  await editor.click();
  await editor.press('Control+End');
  await editor.pressSequentially('k');
  // kvm, then the SEOIB life's kvm-set-x2apic-api action: both statements of the grammar.
  await expect(list.getByRole('option')).toHaveText([/^kvmkvm /, /^kvm-set-x2apic-api/]);
  await expect(editor).toHaveAttribute('aria-activedescendant', 'editor-completions-0');
  await editor.press('Enter');
  await expect(editor).toHaveValue('vcpus 1\nkvm ');
  // After `kvm `: the switches, from the grammar's table.
  await expect(list.getByRole('option').first()).toHaveText(/^stale-eoi-rescan=/);
  await expect(list.getByRole('option')).toHaveCount(7);
  await editor.pressSequentially('vec');
  await expect(list.getByRole('option')).toHaveText([/^vector-hashing=/]);
  await editor.press('Tab');
  await expect(editor).toHaveValue('vcpus 1\nkvm vector-hashing=');
  await expect(list.getByRole('option')).toHaveText([/^on/, /^off/]);
  await editor.press('ArrowDown');
  await expect(list.getByRole('option', { name: /^off/ })).toHaveAttribute('aria-selected', 'true');
  await expect(editor).toHaveAttribute('aria-activedescendant', 'editor-completions-1');
  await editor.press('Enter');
  await expect(editor).toHaveValue('vcpus 1\nkvm vector-hashing=off ');
  // Ctrl+Space asks; Escape closes the list and stays in the editor.
  await editor.press('Control+Space');
  await expect(list.getByRole('option').first()).toHaveText(/^stale-eoi-rescan=/);
  await editor.press('Escape');
  await expect(list).toHaveCount(0);
  await expect(editor).toBeFocused();
  await expect(editor).not.toHaveAttribute('aria-activedescendant');
  await editor.press('Control+Enter');
  await expect.poll(async () => (await bridge(page)).text).toBe('vcpus 1\nkvm vector-hashing=off ');
  expect((await bridge(page)).editorErrors).toEqual([]);
});
