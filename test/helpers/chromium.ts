import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, installed by `.ci/run`; playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why browser tests cannot run here, or null when they can. */
export const chromiumMissing: string | null = existsSync(CHROMIUM_PATH)
  ? null
  : `${CHROMIUM_PATH} is missing: install it with apt-get install chromium (as .ci/run does)`;

/**
 * Headless Chromium with no background network traffic. `launch` gives it a fresh temporary
 * profile (user-data-dir) of its own and removes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
