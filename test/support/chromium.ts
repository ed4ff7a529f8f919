import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium (installed by .ci/run), as every browser test
 * launches it. Browser tests are skipped only on a developer machine without
 * Chromium; under CI a missing browser fails them.
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const describeBrowser = available || process.env.CI ? describe : describe.skip;

export async function launchChromium(): Promise<Browser> {
  if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs the Debian package "chromium"`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
