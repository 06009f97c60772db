/**
 * A headless Chromium for the account page tests (Debian's `chromium`, driven by playwright-core),
 * on a throw-away profile, collecting what the page reports as errors: uncaught exceptions,
 * console errors (CSP violations among them) and, when asked, 404 responses.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the page tests keep (git-ignored). */
export const ARTIFACTS = new URL('../../../.test-artifacts/', import.meta.url).pathname;

export interface ChromiumPage {
  page: Page;
  /** Errors the page reported, in order; tests assert it is empty (or drain what they expect). */
  errors: string[];
  /** Save a full-page screenshot as `.test-artifacts/<name>.png`; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface ChromiumOptions {
  /** Default timeout of page actions, ms. */
  actionTimeoutMs?: number;
  /** Count every 404 response as an error (a missing script or style). */
  record404?: boolean;
  /** Accept `confirm()` dialogs, as a user clicking OK. */
  acceptDialogs?: boolean;
}

export async function openChromium(opts: ChromiumOptions = {}): Promise<ChromiumPage> {
  // Installed by the test runner's system-package step (Debian package `chromium`).
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
  const profileDir = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(opts.actionTimeoutMs ?? 15_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  if (opts.record404) page.on('response', (res) => res.status() === 404 && errors.push(`404 ${res.url()}`));
  if (opts.acceptDialogs) page.on('dialog', (dialog) => void dialog.accept());
  return {
    page,
    errors,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
