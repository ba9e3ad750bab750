/**
 * Logging a staff user in through the login form as a person would, shared by the browser tests
 * (test/helpers/browser.ts re-exports it) and `npm run screenshots`: scripts never import from
 * test/, so the one copy lives here.
 */
import type { Page } from "playwright-core";

/** Opening `/` redirects to the login page; a successful login returns to `/`. */
export async function loginThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/");
  await page.waitForURL(/\/login/);
  await page.locator('[data-test="username"]').fill(username);
  await page.locator('[data-test="password"]').fill(password);
  await page.locator('[data-test="login-submit"]').click();
  await page.waitForURL((url) => url.pathname === "/");
}
