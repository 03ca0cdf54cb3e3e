import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { encodeFragment } from '../src/share/url.ts';
import { bridge, loadText, open } from './fixtures.ts';
import { PRESETS } from './presets.ts';

test('the share link reproduces the exact state, and the address bar follows every step', async ({
  page,
  context,
}) => {
  await open(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/#v=1&k=2&s=/);
  await page.getByRole('button', { name: /^Share/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Share link' });
  const url = await dialog.getByRole('textbox').inputValue();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#v=1&k=2&s=z/);
  expect(url.length).toBeLessThan(1000);
  await dialog.getByRole('button', { name: 'Close' }).click();
  const other = await context.newPage();
  await other.goto(url);
  await expect(other.getByTestId('step-action')).toHaveText('assert 10');
  const a = await bridge(page);
  const b = await bridge(other);
  expect(b.text).toBe(a.text);
  expect(b.step).toBe(2);
});

test('Back and Forward move between loaded scenarios', async ({ page }) => {
  await open(page);
  await page.getByLabel('Load a preset scenario').selectOption('masking');
  await expect(page.getByTestId('title')).toHaveText(/Masked pins/);
  await page.getByLabel('Load a preset scenario').selectOption('pv-eoi');
  await expect(page.getByTestId('title')).toHaveText(/PV EOI/);
  await page.goBack();
  await expect(page.getByTestId('title')).toHaveText(/Masked pins/);
  await page.goBack();
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
  await page.goForward();
  await expect(page.getByTestId('title')).toHaveText(/Masked pins/);
});

test('a damaged, truncated or future link says what is wrong and keeps the session', async ({ page }) => {
  const good = encodeFragment({ text: PRESETS[4].text + '\n'.repeat(3) + '# x\n'.repeat(40), step: 1 });
  for (const [frag, message] of [
    [good.slice(0, -30), /the link is damaged/],
    [good.replace('v=1', 'v=7'), /made by a newer apicscope \(format v=7\)/],
    [`${good.slice(0, 40)}Z${good.slice(41)}`, /damaged/],
  ] as const) {
    await page.goto(`/#${frag}`);
    await expect(page.getByTestId('notice')).toContainText(message);
    await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
  }
  // While a session is open, a bad link pasted into the address bar leaves it alone.
  await page.getByLabel('Load a preset scenario').selectOption('masking');
  await expect(page.getByTestId('title')).toHaveText(/Masked pins/);
  await page.evaluate(() => {
    location.hash = 'v=1&k=0&s=tAAAA';
  });
  await expect(page.getByTestId('notice')).toContainText('the link is damaged');
  await expect(page.getByTestId('title')).toHaveText(/Masked pins/);
});

test('a link whose scenario does not parse is refused with its line', async ({ page }) => {
  await page.goto(`/#${encodeFragment({ text: 'vcpus 2\nroute 99 vector=0x30\n', step: 0 })}`);
  await expect(page.getByTestId('notice')).toContainText('line 2:7: pin 99 is out of range 0–23');
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
});

test('hostile titles, notes and files are shown as text and never run', async ({ page }) => {
  const evil = [
    'title "<img src=x onerror=\\"window.__pwned=1\\"><script>window.__pwned=2</script>"',
    'note "javascript:window.__pwned=3 <a href=\\"javascript:window.__pwned=4\\">click</a>"',
    'vcpus 1',
    'note "<svg onload=window.__pwned=5>"',
    'msi dest=0 vector=0x31',
  ].join('\n');
  await page.goto(`/#${encodeFragment({ text: evil, step: 0 })}`);
  await expect(page.getByTestId('title')).toHaveText(
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
  );
  await expect(page.getByLabel('Current step')).toContainText(
    'javascript:window.__pwned=3 <a href="javascript:window.__pwned=4">click</a>',
  );
  await page.keyboard.press('ArrowRight');
  await expect(page.getByLabel('Current step')).toContainText('<svg onload=window.__pwned=5>');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('img[src=x], a[href^="javascript:"], body svg[onload]').count()).toBe(0);
  // The exported figure escapes it too.
  const download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Export the view as SVG' }).click();
  const svg = readFileSync(await (await download).path(), 'utf8');
  expect(svg).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
  expect(svg).not.toContain('<img');
});

test('open and download .apic files; oversized files are refused', async ({ page }) => {
  await open(page);
  await page.getByTestId('file-input').setInputFiles({
    name: 'mine.apic',
    mimeType: 'text/plain',
    buffer: Buffer.from('title "From a file"\nvcpus 1\nmsi dest=0 vector=0x41\n'),
  });
  await expect(page.getByTestId('title')).toHaveText('From a file');
  const download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Download the scenario (.apic)' }).click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('from-a-file.apic');
  expect(readFileSync(await d.path(), 'utf8')).toBe('title "From a file"\nvcpus 1\nmsi dest=0 vector=0x41\n');
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'bad.apic', mimeType: 'text/plain', buffer: Buffer.from('vcpus 1\nasert 3\n') });
  await expect(page.getByTestId('notice')).toContainText(
    "The file was not opened: its scenario has an error at line 2:1: unknown statement 'asert'",
  );
  await expect(page.getByTestId('title')).toHaveText('From a file');
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'huge.apic', mimeType: 'text/plain', buffer: Buffer.alloc(2_100_000, 35) });
  await expect(page.getByTestId('notice')).toContainText(
    'has 2100000 characters; a scenario is at most 2000000',
  );
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'huger.apic', mimeType: 'text/plain', buffer: Buffer.alloc(4_000_001, 35) });
  await expect(page.getByTestId('notice')).toContainText(
    'is 4000001 bytes; a scenario file is at most 4000000',
  );
  // Read as the command line reads it: UTF-16 with its mark opens; binary is refused with the reason.
  const utf16 = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from('title "Sixteen"\nvcpus 1\n', 'utf16le'),
  ]);
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'w.apic', mimeType: 'text/plain', buffer: utf16 });
  await expect(page.getByTestId('title')).toHaveText('Sixteen');
  await page.getByTestId('file-input').setInputFiles({
    name: 'b.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]),
  });
  await expect(page.getByTestId('notice')).toContainText('"b.bin" cannot be read: it is not UTF-8 text');
  await expect(page.getByTestId('title')).toHaveText('Sixteen');
});

test('exports the trace as trace-cmd text and as Chrome trace JSON for Perfetto', async ({ page }) => {
  await open(page);
  let download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Export the trace with reasons' }).click();
  const text = readFileSync(await (await download).path(), 'utf8');
  expect(text).toContain('# step 2: assert 10');
  expect(text).toMatch(
    /CPU 0\/KVM-4001 \[000\] +0\.000002: kvm_apic_accept_irq: apicid 0 vec 98 \(Fixed\|level\)/,
  );
  expect(text).toContain('    # R3.7');
  download = page.waitForEvent('download');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Export for Perfetto (Chrome trace JSON)' }).click();
  const json = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  // vCPU 0's track carries the injection as a slice; its ISR track the vector in service.
  expect(
    json.traceEvents.some(
      (e: { name: string; tid: number; ph: string }) =>
        e.name === 'kvm_inj_virq' && e.tid === 10 && e.ph === 'X',
    ),
  ).toBe(true);
  expect(json.traceEvents.some((e: { tid: number; ph: string }) => e.tid === 11 && e.ph === 'X')).toBe(true);
});

test('copies the state as QEMU info lapic and info pic', async ({ page }) => {
  await open(page);
  await page.keyboard.press('End');
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Copy as “info lapic”' }).click();
  const lapic = page.getByRole('dialog', { name: /info lapic/ });
  await expect(lapic.getByRole('textbox')).toHaveValue(
    /^dumping local APIC state for CPU 0 \n\nLVT0\t 0x00010700/,
  );
  await lapic.getByRole('button', { name: 'Close' }).click();
  await page.getByText('File ▾').click();
  await page.getByRole('menuitem', { name: 'Copy as “info pic”' }).click();
  await expect(page.getByRole('dialog', { name: /info pic/ }).getByRole('textbox')).toHaveValue(
    /^ioapic0: ver=0x11 id=0x00 sel=0x00\n {2}pin 0 {2}0x0000000000010000/,
  );
});

test('a worker crash in the middle of a run is recovered with the session intact, the run kept as run K', async ({
  page,
}) => {
  await open(page);
  // Eight storming pins: one storm ends after the storm limit's million EOIs, within a second.
  const pins = Array.from(
    { length: 8 },
    (_, i) => `route ${i} vector=0x${(0xa0 + i).toString(16)} trigger=level dest=${i} mask=0\nassert ${i}`,
  );
  await loadText(
    page,
    `vcpus 8\nkvm storm-limit=1000000\nguest all profile=windows\nrun\n${pins.join('\n')}\n`,
  );
  const before = await bridge(page);
  await page.getByLabel('run', { exact: true }).fill('50000000');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTitle('Stop the run (Space)')).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => window.__apicViz!.getState().run?.steps ?? 0))
    .toBeGreaterThan(0);
  // The guest steps the page had been told of when the worker died (issue 14.6: none is lost).
  const k = await page.evaluate(() => {
    const steps = window.__apicViz!.getState().run!.steps;
    window.__apicViz!.testHooks.crashWorker();
    return steps;
  });
  await expect(page.getByTestId('notice')).toContainText('The emulator crashed');
  // The restart records the run's K guest steps from its last checkpoint (they are kept, not lost).
  await expect.poll(async () => (await bridge(page)).status, { timeout: 30_000 }).toBe('ready');
  const after = await bridge(page);
  // At least those k: a slice may have reported more before the crash request was read.
  const kept = Number(/run (\d+)\n$/.exec(after.text)?.[1]);
  expect(kept).toBeGreaterThanOrEqual(k);
  await expect(page.getByTestId('notice')).toContainText(`kept as \`run ${kept}\``);
  expect(after.text).toBe(`${before.text}run ${kept}\n`);
  expect(after.length).toBe(before.length + 1);
  expect(after.step).toBe(before.length + 1);
});

test('limits are enforced with clear messages', async ({ page }) => {
  await open(page);
  for (const [text, message] of [
    ['vcpus 4097\n', 'vcpus 4097 is out of range 1–4096'],
    ['run 2000000000\n', 'run steps 2000000000 is out of range 0–1000000000'],
  ] as const) {
    await page.evaluate((t) => window.__apicViz!.getState().load(t, 0, false, 'file'), text);
    await expect(page.getByTestId('notice')).toContainText(message);
  }
  await page.goto(`/#v=1&k=0&s=t${'A'.repeat(300_000)}`);
  await expect(page.getByTestId('notice')).toContainText('at most 262144 are accepted');
});

test('the built app forbids inline script (Content-Security-Policy) and opens dropped files', async ({
  page,
}) => {
  await open(page);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    return (window as unknown as { __inline?: number }).__inline;
  });
  expect(ran).toBeUndefined();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(
      new File(['title "Dropped"\nvcpus 1\nmsi dest=0 vector=0x41\n'], 'dropped.apic', {
        type: 'text/plain',
      }),
    );
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
  });
  await expect(page.getByTestId('title')).toHaveText('Dropped');
});

test('a hung worker is noticed, restarted from the scenario, and the session goes on', async ({ page }) => {
  test.setTimeout(45_000);
  await open(page);
  await page.keyboard.press('ArrowRight');
  const before = await bridge(page);
  await page.evaluate(() => window.__apicViz!.testHooks.hangWorker(20_000));
  await expect(page.getByTestId('notice')).toContainText('The emulator stopped responding', {
    timeout: 15_000,
  });
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
  const after = await bridge(page);
  expect(after.text).toBe(before.text);
  expect(after.step).toBe(1);
  await page.keyboard.press('ArrowRight');
  await expect.poll(async () => (await bridge(page)).step).toBe(2);
});

test('compare: the same scenario under a second configuration, in lockstep, differences marked, in the link', async ({
  page,
}) => {
  const text = PRESETS.find((p) => p.id === 'stale-eoi-split-patched')!.text;
  await page.goto(`/#${encodeFragment({ text, step: 12, compare: ['kvm.stale-eoi-rescan=off'] })}`);
  const diff = page.getByTestId('differences');
  // Both columns load first (two workers): slow on a loaded machine.
  await expect(diff).toContainText('Differences after step 12 (A vs B)', { timeout: 20_000 });
  await expect(diff).toContainText('ioapic-eoi-exits 1 vs 3');
  await expect(diff).toContainText('vCPU 0: handled {} vs {0x62}');
  await expect(page.getByRole('region', { name: 'Column B', exact: true })).toContainText(
    'kvm.stale-eoi-rescan=off',
  );
  await page.keyboard.press('Home');
  await expect(diff).toContainText('No differences after step 0');
  await expect(page).toHaveURL(/&c=kvm\.stale-eoi-rescan=off&s=/);
  // Acting in column B acts on the scenario both columns share.
  await page
    .getByRole('region', { name: 'Column B', exact: true })
    .getByRole('button', { name: 'pulse pin 10' })
    .click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Discard and act' }).click();
  await expect(page.getByTestId('step-of')).toHaveText('/ 1');
  await expect(page.getByTestId('step-action')).toHaveText('pulse 10');
  // Compare with is a choice of switch and value from the grammar; Apply explains what is missing.
  await page.getByLabel('Switch 1', { exact: true }).selectOption('');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Choose a switch and the value' })).toBeVisible();
  await page.getByLabel('Switch 1', { exact: true }).selectOption('kvm.seoib');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Row 1: choose a value for kvm.seoib.' }),
  ).toBeVisible();
  await expect(page.getByLabel('Value 1', { exact: true }).locator('option')).toHaveText([
    'choose a value…',
    'quirked',
    'enabled',
    'disabled',
    'auto',
  ]);
  await page.getByRole('button', { name: 'Add a switch' }).click();
  await page.getByLabel('Value 1', { exact: true }).selectOption('auto');
  await page.getByLabel('Switch 2', { exact: true }).selectOption('kvm.storm-limit');
  await page.getByLabel('Value 2', { exact: true }).fill('0');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Row 2: kvm.storm-limit must be 1 to 1000000, not 0.' }),
  ).toBeVisible();
  await page.getByLabel('Value 2', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page).toHaveURL(/&c=kvm\.seoib=auto,kvm\.storm-limit=5&s=/);
  await expect(page.getByRole('region', { name: 'Column B', exact: true })).toContainText(
    'kvm.seoib=auto kvm.storm-limit=5',
  );
  await page.getByRole('button', { name: 'Close compare' }).click();
  await expect(diff).toHaveCount(0);
  await expect(page).not.toHaveURL(/&c=/);
});
