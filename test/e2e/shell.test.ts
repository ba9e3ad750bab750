import { expect } from "chai";
import { createStaff, scheduleCandidates } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useProvinceInBrowser } from "../helpers/browser-node.js";

const APP_TITLE = "道路运输从业人员考试系统（基本版）";

describe("client shell (browser)", function () {
  // Every test builds the staff and candidates it logs in: no demo data.
  const env = useProvinceInBrowser({ seed: false });

  it("when nobody is logged in and a staff page is opened, then the zh-CN login page is shown with a way back", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    // Issue 14: asking who is logged in must not log a failed request (a 401) before every login.
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    try {
      await page.goto("/");
      await page.waitForURL(/\/login\?redirect=/);
      expect(new URL(page.url()).searchParams.get("redirect")).to.equal("/");
      expect(await page.title()).to.equal(`用户登录 - ${APP_TITLE}`);
      expect(await page.getAttribute("html", "lang")).to.equal("zh-CN");
      await page.getByText("工作人员登录").waitFor();
      await page.getByText("考生登录").waitFor();
      // The header names this node's province from /healthz.
      await page.locator('[data-test="node-name"]', { hasText: "江苏省" }).waitFor();
      await screenshot(page, "shell-login");
      expect(errors).to.deep.equal([]);
      expect(consoleErrors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a candidate types a malformed ID number, then the form refuses it before asking the server", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const logins: string[] = [];
      page.on("request", (req) => {
        if (req.url().includes("/api/auth/candidate-login")) logins.push(req.url());
      });
      await page.goto("/login?as=candidate");
      await page.locator('[data-test="id-number"]').fill("32010219900101123X");
      await page.locator('[data-test="ticket-no"]').fill("3201202611230015");
      await page.locator('[data-test="candidate-submit"]').click();
      await page.getByText("身份证号码格式不正确").waitFor();
      expect(logins).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an unknown address is opened, then the 404 page says so in Chinese", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const res = await page.goto("/no/such/page");
      // The server answers index.html (history mode); the client router decides it is unknown.
      expect(res?.status()).to.equal(200);
      await page.getByText("页面不存在", { exact: true }).first().waitFor();
      expect(await page.title()).to.equal(`页面不存在 - ${APP_TITLE}`);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a staff user logs in through the form, then the staff frame shows their menu and division by name, and logging out returns to login", async () => {
    const { username, password } = await createStaff(env.node, { roles: ["officer"], displayName: "张建国", divisionCode: "320100" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, username, password);
      await page.locator('[data-test="side-menu"]').getByText("首页").waitFor();
      await page.getByText("张建国").first().waitFor();
      // The province and the site by name: no GB/T 2260 code beside them.
      await page.locator('[data-test="node-info"]').getByText("江苏省", { exact: true }).waitFor();
      expect(await page.locator('[data-test="node-info"]').innerText()).not.to.include("（320000）");
      // The node's configured name is for support calls: small text under the panel, not a row of it.
      expect(await page.locator('[data-test="node-info"]').innerText()).not.to.include("节点标识");
      expect(await page.locator('[data-test="node-id"]').innerText()).to.match(/^系统节点：\S+/);
      expect(await page.locator('header [data-test="node-name"]').innerText()).to.equal("江苏省考试节点");
      // 所在辖区 names the division (南京市), not its code (320100).
      await page.locator('[data-test="node-info"]').getByText("南京市", { exact: true }).waitFor({ timeout: 5_000 });
      expect(await page.title()).to.equal(`首页 - ${APP_TITLE}`);
      await screenshot(page, "shell-staff-home");

      await page.locator('[data-test="logout"]').click();
      await page.waitForURL(/\/login/);
      const me = await context.request.get("/api/auth/me");
      expect(me.status()).to.equal(401);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a staff login is refused, then the server's message is shown and the password is cleared", async () => {
    const { username } = await createStaff(env.node, { roles: ["officer"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await page.goto("/login");
      await page.locator('[data-test="username"]').fill(username);
      await page.locator('[data-test="password"]').fill("wrong-password-123");
      await page.locator('[data-test="login-submit"]').click();
      await page.locator(".el-message--error").waitFor();
      expect(await page.locator('[data-test="password"]').inputValue()).to.equal("");
      expect(new URL(page.url()).pathname).to.equal("/login");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a candidate logs in on a kiosk bound to their seat, then the kiosk frame shows their ticket and large type can be switched on", async () => {
    const { candidates } = await scheduleCandidates(env.node, { count: 1 });
    const cand = candidates[0];
    if (!cand) throw new Error("no candidate scheduled");
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await page.goto(`/login?as=candidate&seat=${encodeURIComponent(cand.seatToken)}`);
      await page.locator('[data-test="seat-bound"]').waitFor();
      await page.locator('[data-test="id-number"]').fill(cand.idNumber);
      await page.locator('[data-test="ticket-no"]').fill(cand.assignment.ticketNo);
      await page.locator('[data-test="candidate-submit"]').click();
      await page.waitForURL((url) => url.pathname === "/");
      await page.locator('[data-test="candidate-info"]').getByText(cand.assignment.ticketNo).waitFor();
      expect(await page.locator('[data-test="side-menu"]').count()).to.equal(0);
      await page.locator('[data-test="large-type"]').click();
      await page.waitForFunction(`document.documentElement.classList.contains("rc-large")`);
      await screenshot(page, "shell-candidate-home-large");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
