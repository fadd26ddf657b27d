// Chromium for the browser tests: found by one rule, skipped in one line when absent, closed on every path.
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** A browser test may take this long (it trains in the page on a shared 2-core machine); then it fails. */
export const BROWSER_TEST_TIMEOUT_MS = 10 * 60_000;

/** Where Chromium is: CHROMIUM_PATH when set (only there), else Debian's `chromium` package, else Playwright's download. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path?: string; looked: string } {
  if (env.CHROMIUM_PATH) return { path: existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined, looked: `CHROMIUM_PATH=${env.CHROMIUM_PATH}` };
  let playwright = '';
  try {
    playwright = chromium.executablePath();
  } catch {
    // no download location for this platform
  }
  const path = ['/usr/bin/chromium', playwright].find((p) => p && existsSync(p));
  return { path, looked: `/usr/bin/chromium${playwright ? ` or ${playwright}` : ''}` };
}

const found = findChromium();
/** REQUIRE_BROWSER=1 (set by .ci/run) makes a missing browser a failure instead of a skip. */
export const BROWSER_REQUIRED = process.env.REQUIRE_BROWSER === '1';
/** Why this machine cannot run the browser tests, in one line, or undefined when it can. */
export const NO_BROWSER = found.path ? undefined : `no Chromium at ${found.looked}`;
/** The skip reason of every browser test, false when they run (or must). */
export const SKIP_BROWSER: string | false =
  NO_BROWSER && !BROWSER_REQUIRED ? `browser tests skipped: ${NO_BROWSER}; set CHROMIUM_PATH or apt-get install chromium to run them` : false;

/** node:test's test for tests that need Chromium: skipped with the reason when there is none, and with a deadline. */
export function browserTest(name: string, fn: (t: TestContext) => Promise<void>): void {
  test(name, { skip: SKIP_BROWSER, timeout: BROWSER_TEST_TIMEOUT_MS }, fn);
}

/** Headless Chromium with the flags this closed network needs; Playwright gives every launch a new empty profile. */
export async function launchChromium(): Promise<Browser> {
  if (!found.path) {
    // Only reached with REQUIRE_BROWSER=1 (otherwise the tests are skipped): one line, not a trace per test.
    process.stderr.write(`REQUIRE_BROWSER=1 but ${NO_BROWSER}: set CHROMIUM_PATH or install chromium\n`);
    process.exit(1);
  }
  try {
    return await chromium.launch({
      executablePath: found.path,
      headless: true,
      timeout: 120_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  } catch (error) {
    // Playwright's message carries the whole command line and browser log: keep its first line.
    throw new Error(`Chromium at ${found.path} did not start: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Runs fn with a fresh Chromium that is closed however fn ends. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

// What a file's tests get when they are skipped: they never touch it, and a stray use says why.
const skipped = new Proxy({} as Browser, {
  get: (_, key) => {
    if (key === 'then') return undefined; // not a promise: lets async functions return it
    throw new Error(String(SKIP_BROWSER));
  },
});

/**
 * One Chromium shared by a file's browserTests, closed after the file whatever happens (the close is
 * registered before the launch); when browser tests are skipped, nothing is launched.
 */
export async function chromiumForFile(): Promise<Browser> {
  if (SKIP_BROWSER) return skipped;
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
  });
  try {
    browser = await launchChromium();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`); // one line, not a trace from the test harness
    process.exit(1);
  }
  return browser;
}

/** Collects console errors and uncaught page errors, for asserting there are none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}
