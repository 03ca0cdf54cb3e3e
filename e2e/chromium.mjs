/** Finds a Chromium for the browser tests: CHROMIUM_PATH, Debian's chromium, or Playwright's own. */
import { existsSync } from 'node:fs';

export async function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    const { chromium } = await import('playwright');
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright's own browser is optional.
  }
  return null;
}

export const HOW_TO_GET_CHROMIUM = `No Chromium found for the browser tests. Install one of:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium
  any system:     npx playwright install chromium
or point CHROMIUM_PATH at a Chromium or Chrome binary:  CHROMIUM_PATH=/path/to/chrome npm test`;
