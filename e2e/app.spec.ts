import { expect, test } from '@playwright/test';

test('the app loads the default preset and shows its final state', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('title')).toHaveText('A level-triggered IRQ, end to end');
  await expect(page.getByTestId('state')).toContainText('vCPU 0: IRR {} ISR {} TMR {0x62} PPR 0x0');
});
