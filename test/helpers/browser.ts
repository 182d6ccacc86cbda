/**
 * Chromium for the browser tests: Debian's package driven by playwright-core (never a downloaded
 * browser). Without Chromium a developer's `npm test` still runs the rest; CI installs it and must run
 * the browser tests, so there a missing Chromium is an error.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs it`);

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

let shared: Promise<Browser> | undefined;

/**
 * The worker's Chromium. Test files in one vitest worker run one after another and share its modules, so
 * they share one browser too (a launch is ~1.3 s of a 2-core machine). Each file gets it through a handle
 * whose `close()` closes the file's own contexts and pages and leaves the browser for the next file;
 * playwright ends it when the worker exits. A browser that crashed is launched again.
 */
export async function launchChromium(): Promise<Browser> {
  let browser = await (shared ??= launch());
  if (!browser.isConnected()) browser = await (shared = launch());
  const closeContexts = async (): Promise<void> => {
    await Promise.all(browser.contexts().map((c) => c.close()));
  };
  return new Proxy(browser, {
    get(target, prop) {
      if (prop === 'close') return closeContexts;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
