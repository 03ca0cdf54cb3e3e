/**
 * The in-app reference (issue 11): every rule citation opens that rule's entry of docs/rules.md
 * (title, the kernel function it follows), from the app's own files, in a dialog that Esc closes, giving focus
 * back; Help opens the language reference.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { parseRuleBook } from '../src/docs/rulebook.ts';
import { open } from './fixtures.ts';

const book = parseRuleBook(readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8'));
const entry = (id: string) => book.find((r) => r.id === id)!;

test('a rule cited in the why opens that rule; Esc closes it and focus returns to the citation', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('.'); // the step's first event: the banner shows its why
  const cite = page.getByTestId('sub-step-why').locator('[data-cite]').first();
  const id = (await cite.getAttribute('data-cite'))!;
  expect(entry(id), `${id} is in docs/rules.md`).toBeTruthy();
  await cite.click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`${id} ${entry(id).title}`);
  await expect(dialog.getByTestId('ref-kernel')).toContainText(entry(id).kernel);
  await expect(dialog.getByRole('tab', { name: 'Rule book' })).toHaveAttribute('aria-selected', 'true');
  // The app's shortcuts stay behind the dialog: → does not step.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-action')).toHaveText('assert 10');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(cite).toBeFocused();
});

test('a step cited in the timeline (R5.5 step 6) marks that step; links move between rules', async ({
  page,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  const cite = page.getByTestId('events').getByRole('button', { name: 'R5.5 step 6' }).first();
  await cite.click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R5.5 ${entry('R5.5').title}`);
  await expect(dialog.locator('li[data-point="6"]')).toHaveAttribute('aria-current', 'true');
  await expect(dialog.locator('li[aria-current="true"]')).toHaveCount(1);
  // The next rule, and a rule its text cites, open in place.
  await dialog.getByRole('button', { name: 'R5.6 →' }).click();
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R5.6 ${entry('R5.6').title}`);
  await expect(dialog.getByTestId('ref-rule-title')).toBeFocused();
  await dialog.getByTestId('ref-body').locator('[data-cite="R7.3"]').first().click();
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R7.3 ${entry('R7.3').title}`);
  await expect(dialog.getByTestId('ref-rule-title')).toBeFocused();
  // From the index, focus stays in the index.
  const item = dialog.getByRole('navigation', { name: 'Rule book' }).getByRole('button', { name: /^R9\.1 / });
  await item.click();
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R9.1 ${entry('R9.1').title}`);
  await expect(item).toBeFocused();
  // Tab stays inside the dialog.
  await dialog.getByRole('button', { name: 'Close the reference (Esc)' }).focus();
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await dialog.getByRole('button', { name: 'Close the reference (Esc)' }).click();
  await expect(dialog).toBeHidden();
  await expect(cite).toBeFocused();
});

test('the configuration tooltip "R8.2–R8.6" is a link per rule', async ({ page }) => {
  await open(page);
  await page.getByRole('tab', { name: 'Configuration' }).click();
  const row = page.getByRole('form', { name: 'Configuration' }).locator('[title*="(R8.2–R8.6)"]').first();
  await expect(row.locator('[data-cite]')).toHaveText(['R8.2', 'R8.3', 'R8.4', 'R8.5', 'R8.6']);
  await row.getByRole('button', { name: 'R8.4' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R8.4 ${entry('R8.4').title}`);
  await expect(dialog.getByTestId('ref-kernel')).toContainText(entry('R8.4').kernel);
});

test('Help opens the language reference: statement index, search, a section', async ({ page }) => {
  await open(page);
  const help = page.getByRole('button', { name: 'Keyboard shortcuts and legend (?)' });
  await help.click();
  await page.getByRole('button', { name: 'Language reference' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog.getByRole('tab', { name: 'Language' })).toHaveAttribute('aria-selected', 'true');
  await expect(dialog.getByTestId('ref-section-title')).toHaveText('The apicscope scenario language');
  const index = dialog.getByTestId('ref-statement-index');
  for (const statement of ['route', 'seoib', 'rdmsr eoi', 'Expectations', 'Counters'])
    await expect(index.getByRole('button', { name: statement, exact: true })).toBeVisible();
  await dialog.getByRole('searchbox', { name: 'Search the language reference' }).fill('storm-limit');
  await expect(index.getByRole('button', { name: 'kvm', exact: true })).toBeVisible();
  await expect(index.getByRole('button', { name: 'route', exact: true })).toHaveCount(0);
  await index.getByRole('button', { name: 'kvm', exact: true }).click();
  await expect(dialog.getByTestId('ref-section-title')).toHaveText('kvm');
  await expect(dialog.getByTestId('ref-body')).toContainText('storm-limit');
  // The Rule book tab, by the keyboard, and back.
  await dialog.getByRole('tab', { name: 'Language' }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(dialog.getByRole('tab', { name: 'Rule book' })).toHaveAttribute('aria-selected', 'true');
  await expect(dialog.getByRole('heading', { name: 'The rule book' })).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(dialog.getByTestId('ref-section-title')).toHaveText('kvm');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(help).toBeFocused();
});

test("compare's first difference links each side's rule; the documents load from the app's host on first use", async ({
  page,
}) => {
  const fetched: string[] = [];
  page.on('request', (r) => fetched.push(r.url()));
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('stale-eoi-split-patched');
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('kvm.stale-eoi-rescan');
  await page.getByLabel('Value 1', { exact: true }).selectOption('off');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  const a = page.getByTestId('why-A');
  await expect(a.locator('[data-cite]').first()).toHaveText('R7.3 step 2');
  await expect(page.getByTestId('why-B').locator('[data-cite]').first()).toHaveText('R7.3 step 3');
  const docs = () => fetched.filter((u) => /\.md(\?|$)/.test(u));
  expect(docs()).toEqual([]);
  await a.locator('[data-cite]').first().click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog.getByTestId('ref-rule-title')).toHaveText(`R7.3 ${entry('R7.3').title}`);
  await expect(dialog.locator('li[data-point="2"]')).toHaveAttribute('aria-current', 'true');
  const origin = new URL(page.url()).origin;
  expect(docs().map((u) => new URL(u).origin)).toEqual([origin, origin]);
  expect(
    docs()
      .map((u) => new URL(u).pathname.replace(/-[\w-]+\.md$/, '.md'))
      .sort(),
  ).toEqual(['/assets/language.md', '/assets/rules.md']);
});

test('a reference that cannot be loaded says so in the sheet; the page stays usable', async ({ page }) => {
  await page.route(/\.md(\?|$)/, (r) => r.abort());
  await open(page);
  await page.getByRole('button', { name: 'Keyboard shortcuts and legend (?)' }).click();
  await page.getByRole('button', { name: 'Language reference' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reference' });
  await expect(dialog.getByRole('alert')).toContainText('The reference could not be loaded');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-action')).toHaveText(
    'route 10 vector=0x62 trigger=level dest=0 mask=0',
  );
});

for (const scheme of ['light', 'dark'] as const)
  test(`the panel has no serious or critical accessibility violations (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page);
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('events').getByRole('button', { name: 'R5.5 step 6' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Reference' });
    await expect(dialog.getByTestId('ref-rule-title')).toBeVisible();
    const rules = await new AxeBuilder({ page }).include('[data-testid="reference"]').analyze();
    await dialog.getByRole('tab', { name: 'Language' }).click();
    await dialog.getByTestId('ref-statement-index').getByRole('button', { name: 'kvm', exact: true }).click();
    const language = await new AxeBuilder({ page }).include('[data-testid="reference"]').analyze();
    const bad = [...rules.violations, ...language.violations]
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
  });
