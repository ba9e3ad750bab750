import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { seriousA11yViolations } from "../helpers/a11y.js";
import { launchBrowser, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";

/**
 * The state tags every list and case page draws (Element Plus tags of each type, in the client's
 * own stylesheet): axe measures each tag's text against its background, so a type whose theme
 * colours fall below 4.5:1 fails here rather than on whichever page first shows that state.
 */
describe("tag colours of the client theme (browser, axe-core)", function () {
  let browser: Browser;
  let css = "";

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    const html = readFileSync(path.join(dist, "index.html"), "utf8");
    const sheets = [...html.matchAll(/<link rel="stylesheet"[^>]*href="\/([^"]+\.css)"/g)].map((m) => m[1] ?? "");
    expect(sheets).to.not.be.empty;
    css = sheets.map((file) => readFileSync(path.join(dist, file), "utf8")).join("\n");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it("when a tag of each type and size is drawn in the theme, then axe finds no serious or critical violation", async () => {
    const { context, page } = await openContext(browser, "about:blank");
    try {
      const tags = ["primary", "success", "info", "warning", "danger"].flatMap((type) =>
        ["small", "default", "large"].map((size) => `<span class="el-tag el-tag--${type} el-tag--light el-tag--${size}"><span class="el-tag__content">待发送 ${type}</span></span>`),
      );
      await page.setContent(`<!doctype html><html lang="zh-CN"><head><title>tags</title><style>${css}</style></head><body><main>${tags.join(" ")}</main></body></html>`);
      await screenshot(page, "theme-tags");
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a tag has just mounted and starts fading in two frames later (as Vue's enter transition does), then axe measures it settled and finds nothing", async () => {
    const { context, page } = await openContext(browser, "about:blank");
    try {
      const fade = ".fading{opacity:.15}.fade-active{transition:opacity 1.5s linear}";
      await page.setContent(`<!doctype html><html lang="zh-CN"><head><title>tag</title><style>${css}${fade}</style></head><body><main></main></body></html>`);
      await page.evaluate(`(() => {
        const tag = document.createElement("span");
        tag.className = "el-tag el-tag--primary el-tag--light el-tag--large fade-active fading";
        tag.textContent = "已发送";
        document.querySelector("main").append(tag);
        requestAnimationFrame(() => requestAnimationFrame(() => tag.classList.remove("fading")));
      })()`);
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
