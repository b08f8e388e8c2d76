import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot run here).
 * `.ci/run` installs it; a machine without it fails the browser tests with this message, never skips them.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = resolve(__dirname, 'screenshots');

/** Flags that let Chromium run headless as root on a machine without a GPU or network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const requireChromium = async (): Promise<string> => {
  try {
    await access(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run "apt-get update && apt-get install -y chromium" ` +
        '(as .ci/run does), or set CHROMIUM_PATH.',
    );
  }
  return CHROMIUM_PATH;
};

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh profile at 1280×800, downloads accepted, and the network reported as online. */
export const launchConsoleBrowser = async (): Promise<ConsoleBrowser> => {
  const executablePath = await requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'bulk-imports-e2e-profile-'));
  // Playwright refuses --user-data-dir in args: a persistent context on a fresh dir is the way to set it.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  // With no network interface Chromium believes it is offline, and Uppy then pauses every upload.
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'onLine', { get: () => true, configurable: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
};

/** Saves what the screen shows under `test/e2e/screenshots/{name}.png`. */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({
    path: join(SCREENSHOT_DIR, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
};
