/** Page helpers and the typed bridge into the app's store (window.__apicViz). */
import type { Page } from '@playwright/test';
import { expect } from '@playwright/test';

export interface BridgeState {
  text: string;
  step: number;
  length: number;
  status: string;
  notice: string | null;
  editorErrors: string[];
}

export async function bridge(page: Page): Promise<BridgeState> {
  return page.evaluate(() => {
    const s = window.__apicViz!.getState();
    return {
      text: s.text,
      step: s.frame?.step ?? -1,
      length: s.info?.steps.length ?? -1,
      status: s.status,
      notice: s.notice?.text ?? null,
      editorErrors: s.editorErrors.map((e) => `${e.line}:${e.col}: ${e.message}`),
    };
  });
}

/** Opens the app and waits until the default session is on screen. */
export async function open(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('step-of')).toHaveText('/ 6');
}

/** Loads scenario text through the store, as the editor would, and waits for it. */
export async function loadText(page: Page, text: string, step?: number): Promise<void> {
  await page.evaluate(
    ([t, k]) => window.__apicViz!.getState().load(t as string, k as number | undefined, true),
    [text, step] as const,
  );
  await expect.poll(async () => (await bridge(page)).text).toBe(text);
  await expect.poll(async () => (await bridge(page)).status).toBe('ready');
}

/** The counters as the page shows them, read in one round trip. */
export async function counters(page: Page): Promise<Record<string, number>> {
  return page.getByTestId('counters').evaluate((dl) => {
    const out: Record<string, number> = {};
    for (const row of Array.from(dl.children)) {
      const name = row.querySelector('dt')?.textContent ?? '';
      out[name] = Number((row.querySelector('dd')?.textContent ?? '').replace(/,/g, ''));
    }
    return out;
  });
}
