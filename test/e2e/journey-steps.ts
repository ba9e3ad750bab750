import { expect } from "chai";
import type { Locator, Page } from "playwright-core";
import { CATEGORIES } from "../../server/contracts/categories.js";
import { DECLARATION_LABELS } from "../../server/contracts/registration.js";
import { BANK, field } from "./exam-fixtures.js";

/**
 * The steps of the browser journey (test/e2e/journey.test.ts) as a person does them on the pages:
 * each takes a logged-in page and works only through what is on screen.
 */

/** A 1×1 grey PNG: the applicant's photo handed over at the registration desk. */
const PHOTO_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==",
  "base64",
);

/** Opens an Element Plus select and picks the visible option with `text`. */
async function pick(page: Page, select: Locator, text: string): Promise<void> {
  await select.click();
  await page.locator(".el-select-dropdown__item:visible", { hasText: text }).first().click();
}

/** Types a date (or date and time) into an Element Plus picker found by its form label. */
async function typeDate(page: Page, label: string, value: string): Promise<void> {
  const input = page.locator(".el-form-item:visible", { hasText: label }).locator("input").first();
  await input.fill(value);
  await input.press("Enter");
}

/**
 * Wall time in the node's zone (UTC+8, no daylight saving) `minutes` from now, as the picker shows
 * it and a user types it (`2026年12月7日 09:30`).
 */
export function shanghaiWallTime(minutes: number): string {
  const t = new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000);
  const hm = t.toISOString().slice(11, 16);
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${hm}`;
}

/** 报名登记: the officer fills the form for a passenger-driver applicant and submits it. */
export async function registerApplicant(page: Page, who: { name: string; idNumber: string }): Promise<void> {
  await page.goto("/registration/new");
  await field(page, "reg-name").fill(who.name);
  await field(page, "reg-id").fill(who.idNumber);
  await field(page, "reg-phone").fill("13912345678");
  await pick(page, page.locator('[data-test="reg-education"]'), "高中");
  await pick(page, page.locator('[data-test="reg-licence"]'), "A1");
  await typeDate(page, "驾驶证初领日期", "2010年3月1日");
  await page.locator('[data-test="reg-categories"]').getByText(CATEGORIES["01001"]).click();
  for (const label of Object.values(DECLARATION_LABELS)) await page.getByText(label).click();
  await page
    .locator('[data-test="reg-photo"] input[type="file"], input[type="file"][data-test="reg-photo"]')
    .first()
    .setInputFiles({
      name: "photo.png",
      mimeType: "image/png",
      buffer: PHOTO_PNG,
    });
  await page.locator('img[alt="考生照片"]').waitFor();
  await page.locator('[data-test="eligibility-panel"]').getByText("符合", { exact: true }).waitFor();
  await page.locator('[data-test="reg-submit"]').click();
  await page.waitForURL(/\/registration\/candidates$/);
  await page.locator('[data-test="candidates-table"]').getByText(who.name).waitFor();
}

/**
 * 考试场次: the officer creates a session in `centreName` starting `startsInMinutes` from now that
 * candidates may hand in at once, seats the waiting candidates, and reads the ticket of seat 1.
 * Resolves with the session id and the ticket number.
 */
export async function scheduleSession(
  page: Page,
  options: { centreName: string; startsInMinutes: number; candidateName: string },
): Promise<{ sessionId: string; ticketNo: string }> {
  await page.goto("/scheduling/sessions");
  await page.locator('[data-test="session-create"]').click();
  const form = page.locator('[data-test="session-form"]');
  await pick(
    page,
    form.locator(".el-form-item", { hasText: "考点" }).locator(".el-select"),
    options.centreName,
  );
  await pick(page, form.locator(".el-form-item", { hasText: "考场" }).locator(".el-select"), "第一考场");
  await typeDate(page, "开考时间", shanghaiWallTime(options.startsInMinutes));
  const earliest = form.locator(".el-form-item", { hasText: "最早交卷" }).locator("input");
  await earliest.fill("0");
  await earliest.press("Tab");
  await page.locator('[data-test="session-save"]').click();
  await page.waitForURL(/\/scheduling\/sessions\/[0-9a-f]{24}$/);
  const sessionId = page.url().split("/").at(-1) ?? "";

  await page.locator('[data-test="auto-seat-all"]').click();
  const report = page.locator('[data-test="auto-seat-report"]');
  await report.getByText("已安排 1 人").waitFor();
  await report.getByRole("button", { name: "知道了" }).click();
  await page.locator('[data-test="seat-1"]').getByText(options.candidateName).waitFor();
  await page.locator('[data-test="seat-1"]').click();
  const ticket = page.locator('[data-test="ticket"]');
  await ticket.waitFor();
  const ticketNo = (await ticket.locator("strong").first().innerText()).trim();
  expect(ticketNo).to.match(/^\d+$/);
  return { sessionId, ticketNo };
}

/** Presses Tab until the element `target` has the focus (at most `limit` presses). */
export async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  const focused = () =>
    target.evaluate(
      (el) =>
        el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
    );
  for (let i = 0; i < limit; i++) {
    if (await focused()) return;
    await page.keyboard.press("Tab");
  }
  throw new Error("Tab never reached the element");
}

/** The bank item on screen (options are shuffled per paper, so the test knows answers by text). */
async function questionOnScreen(page: Page): Promise<(typeof BANK)[number]> {
  const stem = (await page.locator('[data-test="stem"]').innerText()).trim();
  const item = BANK.find((b) => stem.startsWith(b.stem));
  if (!item) throw new Error(`unknown stem on screen: ${stem}`);
  return item;
}

/**
 * Answers the question on screen correctly with key presses only: T/F for true/false, the option
 * letters for choices (read from the option whose text is right). Resolves with how many key
 * presses changed the answer.
 */
export async function answerWithKeys(page: Page): Promise<number> {
  const item = await questionOnScreen(page);
  if (item.type === "true_false") {
    await page.keyboard.press(item.correct[0] ?? "T");
    return 1;
  }
  for (const text of item.correct) {
    const option = page.locator('[data-test="question"] button[role="option"]', { hasText: text });
    await page.keyboard.press((await option.getAttribute("data-test"))?.replace("option-", "") ?? "");
  }
  return item.correct.length;
}

/** Waits until the question on screen says its answer reached the server. */
export async function savedOnServer(page: Page): Promise<void> {
  await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
}

/** Calls `probe` every 300 ms until it resolves true (at most `tries` times); fails with `what`. */
export async function eventually(what: string, probe: () => Promise<boolean>, tries = 60): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect.fail(`never happened: ${what}`);
}
