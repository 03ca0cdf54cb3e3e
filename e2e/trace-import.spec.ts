/** Replaying a real KVM trace in the app (issue 10 §3): paste or open it, see the trace beside the steps. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { bridge, open } from './fixtures.ts';

const SAMPLE = readFileSync(
  join(import.meta.dirname, '..', 'src', 'import', 'samples', 'split-trace-cmd.txt'),
  'utf8',
);
// Without QEMU's EOI exit the trace shows less than the model does: one disagreement.
const NO_EOI_EXIT = SAMPLE.split('\n')
  .filter((l) => !l.includes('KVM_EXIT_IOAPIC_EOI'))
  .join('\n');

test('a pasted trace opens as a scenario with its lines beside the steps and the disagreement marked', async ({
  page,
}) => {
  await open(page);
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: /Paste a KVM trace/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Replay a KVM trace' });
  await dialog.getByRole('button', { name: 'Open as a scenario' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Paste the lines of a trace first.');
  await dialog.getByLabel('Trace text').fill(NO_EOI_EXIT);
  await dialog.getByRole('button', { name: 'Open as a scenario' }).click();
  await expect(dialog).toHaveCount(0);
  const panel = page.getByTestId('trace-panel');
  await expect(panel).toContainText('Replayed trace: pasted trace');
  await expect(page.getByTestId('trace-summary')).toContainText('9 agree with the model, 1 disagree');
  expect((await bridge(page)).text).toMatch(/^# imported by apicscope from pasted trace/);
  // The step list marks where the model parts from the trace; its button goes there.
  await expect(page.getByTestId('trace-disagrees')).toHaveCount(1);
  await panel.getByText('All 1 disagreements').click();
  await panel.getByRole('button', { name: /^Go to step \d+: trace line 14$/ }).click();
  await expect(panel.getByRole('list', { name: 'Disagreements at this step' })).toContainText(
    'the model forwards this EOI to userspace (KVM_EXIT_IOAPIC_EOI) but the trace has no KVM_EXIT_IOAPIC_EOI here',
  );
  await expect(page.getByTestId('trace-line-here')).toContainText(/comes from trace line \d+/);
});

test('a dropped or chosen trace file opens as a trace; one with nothing usable keeps the session', async ({
  page,
}) => {
  await open(page);
  const before = await bridge(page);
  await page.getByTestId('file-input').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('kvm_exit: soon\nhello\n'),
  });
  await expect(page.getByTestId('notice')).toContainText(
    'The trace was not opened: notes.txt: nothing usable',
  );
  expect((await bridge(page)).text).toBe(before.text);
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'host.report', mimeType: 'text/plain', buffer: Buffer.from(SAMPLE) });
  await expect(page.getByTestId('trace-summary')).toContainText('10 agree with the model, 0 disagree');
  await expect(page.getByTestId('trace-panel')).toContainText('Replayed trace: host.report');
});
