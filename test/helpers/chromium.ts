/**
 * Debian's headless Chromium for the browser tests, driven by playwright-core (which downloads
 * nothing). `.ci/run` installs it; in CI (CI or SSEDOCTOR_REQUIRE_PEERS set) a missing one fails the
 * file, elsewhere the file skips with a warning.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

/**
 * Call at the top of a test file: registers a failing test in CI when Chromium is missing (or
 * warns elsewhere), and launches one browser for the file. `get()` returns it inside tests.
 */
export function useChromium(file: string): { get: () => Browser } {
  if (!chromiumAvailable && (process.env.CI || process.env.SSEDOCTOR_REQUIRE_PEERS)) {
    it('Chromium installed (CI must run the browser tests)', () => {
      throw new Error(`no Chromium at ${CHROMIUM}; .ci/run installs it`);
    });
  } else if (!chromiumAvailable) console.warn(`${file}: SKIPPED, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!chromiumAvailable) return;
    // The flags keep Chromium off this machine's closed network (no background lookups or updates).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => browser?.close());
  return { get: () => browser! };
}
