/**
 * A real headless browser for UI tests: Debian's chromium driven by playwright-core. playwright-core ships no
 * browser of its own (nothing is downloaded); it drives the system binary that scripts/testbed/setup.sh installs.
 * Screenshots go to test-artifacts/ at the repository root (git-ignored), one folder per test file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots and other artefacts that a person reads after a run; never committed. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

/** Fails (never skips) when the browser is missing: a UI test that silently does nothing proves nothing. */
export function requireChromium(binary = CHROMIUM): void {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`bash scripts/testbed/setup.sh\` (or \`apt-get install -y chromium\`) as root`);
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** A folder under ARTIFACTS_DIR for one test file's screenshots, created if needed. */
export async function artifactsDir(name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A full-page PNG of what the browser shows now; returns its path so the test can print it. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A screenshot that shows something: a PNG, and larger than an all-blank page compresses to. */
export async function assertScreenshot(file: string): Promise<void> {
  const bytes = await readFile(file);
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${file} is not a PNG`);
  // An all-blank page compresses to a few hundred bytes; a rendered one is tens of KiB.
  assert.ok(bytes.length > 10_000, `${file} is only ${bytes.length} bytes: a blank page?`);
}
