import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { createStaff } from "../helpers/auth.js";
import {
  CHROMIUM_ARGS,
  launchBrowser,
  loginThroughForm,
  NEW_YORK,
  openContext,
  screenshot,
} from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import {
  anotherInstance,
  aPass,
  pendingIssuanceOf,
  officer as officerActor,
  startCertNode,
  type TestNode,
} from "../integration/certificates/support.js";
import { zhDate } from "../helpers/zh-date.js";

/** `2026-11-30 21:40:05`-style wall time of an instant in a zone, as the pages write it (hh:mm:ss). */
const clock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));

/** A context whose browser runs in New York, so a time shown in the browser's zone would give itself away. */
const newYorkContext = (browser: Browser, baseURL: string) =>
  openContext(browser, baseURL, { timezoneId: NEW_YORK, viewport: { width: 1366, height: 900 } });

/**
 * A Y4M video (what Chromium's fake camera plays) of one greyscale frame: the PGM's pixels as the
 * luma plane, neutral chroma. Width and height are cut to even numbers, as 4:2:0 needs.
 */
function pgmToY4m(pgm: Buffer): Buffer {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.toString("latin1", 0, 64));
  if (!header) throw new Error("not a binary PGM");
  const [, w0, h0] = header.map(Number) as [number, number, number];
  const pixels = pgm.subarray(header[0].length);
  const w = w0 - (w0 % 2);
  const h = h0 - (h0 % 2);
  const luma = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) pixels.copy(luma, y * w, y * w0, y * w0 + w);
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${w} H${h} F5:1 Ip A1:1 C420jpeg\n`),
    Buffer.from("FRAME\n"),
    luma,
    chroma,
  ]);
}

describe("certificate pages and verification in the browser (browser)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let browser: Browser;
  let officer: { username: string; password: string };
  const work = mkdtempSync(join(tmpdir(), "cert-e2e-"));
  let pdfPath = "";
  let certificateNo = "";

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    node = await startCertNode({ CLIENT_DIST: dist });
    officer = await createStaff(node, { roles: ["officer"], displayName: "王经办" });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("when an officer issues a pending certificate, downloads its PDF and revokes it, then every page shows the node's times and the history", async () => {
    const pass = await aPass(node);
    await anotherInstance(node).facade.issuance.onExamPassed(pass);
    certificateNo = pass.idNumber;
    const { context, page, errors } = await newYorkContext(browser, node.url);
    try {
      await loginThroughForm(page, officer.username, officer.password);
      await page.goto("/certificates/issuances");
      const row = page.locator(".el-table__row", { hasText: pass.idNumber });
      await row.waitFor();
      await screenshot(page, "certificates-pending");
      await row.getByRole("button", { name: "发证", exact: true }).click();
      await row.waitFor({ state: "detached" });

      await page.goto(`/certificates/${pass.idNumber}`);
      await page.getByText("发证记录").waitFor();
      // 证号 is the ID number, as on every other page; the card's serial is 证书编号.
      const fields = page.locator(".el-descriptions").first();
      const labels = (await fields.locator(".el-descriptions__label").allInnerTexts()).map((l) => l.trim());
      expect(labels).to.include.members(["证号", "证书编号"]);
      expect(await fields.innerText()).to.match(new RegExp(`证号\\s+${pass.idNumber}\\s`));
      expect(await fields.innerText()).to.match(new RegExp(`证书编号\\s+${pass.idNumber}-\\d+`));
      // Calendar dates are written as the timestamps' dates are (年月日), never as ISO text, and the
      // validity is the signed one whatever the browser's zone (New York here).
      const issued = await node.ctx.conn.collection("certificates").findOne({ certificateNo: pass.idNumber });
      const [validFrom, validTo] = [String(issued?.validFrom), String(issued?.validTo)];
      const validity = `${zhDate(validFrom)} 至 ${zhDate(validTo)}`;
      expect(await fields.innerText())
        .to.include(validity)
        .and.not.include(validTo);
      expect(await fields.innerText()).to.match(
        new RegExp(`初领日期\\s+${zhDate(String(issued?.firstIssuedOn))}`),
      );
      expect(await page.locator(".el-table", { hasText: "经办人" }).first().innerText()).to.include(validity);
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "下载 PDF" }).click();
      pdfPath = join(work, "certificate.pdf");
      await (await download).saveAs(pdfPath);
      expect(readFileSync(pdfPath).subarray(0, 5).toString("latin1")).to.equal("%PDF-");
      // Just issued: 换证 is not offered yet, and the page says from when it will be.
      expect(await page.locator('[data-test="certificate-renew"]').isDisabled()).to.equal(true);
      // From when, written as the dates beside it: 2032年9月7日, not 2032-09-07.
      expect(await page.locator('[data-test="renewal-hint"]').textContent()).to.match(
        /有效期届满前 \d+ 日内方可换证（\d{4}年\d{1,2}月\d{1,2}日 起）/,
      );
      // The signature in words (who signed, which algorithm); the key id only as 密钥标识 beside it.
      expect(await page.locator('[data-test="signature-words"]').innerText()).to.match(
        /^已由江苏省发证机关数字签名（(Ed25519|SM2\/SM3)）$/,
      );
      expect(await fields.innerText()).to.match(/密钥标识 \S+/);
      await screenshot(page, "certificate-issued");

      // 注销, 吊销 and 撤销 are told apart: each says what it is, hovered and in its dialog.
      await page.locator('[data-test="certificate-withdraw"]').hover();
      await page.locator(".el-popper", { hasText: "撤销：证书本不应核发" }).waitFor();
      await screenshot(page, "certificate-action-tooltip");
      // The actions that end a certificate as a sanction or an annulment are red, as is each confirmation.
      for (const action of ["certificate-revoke", "certificate-withdraw"])
        expect(await page.locator(`[data-test="${action}"]`).getAttribute("class")).to.include(
          "el-button--danger",
        );
      await page.getByRole("button", { name: "吊销" }).click();
      const dialog = page.locator(".el-dialog", { hasText: "吊销证书" });
      expect(await dialog.locator('[data-test="status-action-confirm"]').getAttribute("class")).to.include(
        "el-button--danger",
      );
      expect(await dialog.locator('[data-test="status-action-note"]').innerText()).to.include("行政处罚");
      // Whose certificate is being revoked, named in the dialog beside a button that says what it does.
      expect(await dialog.locator('[data-test="status-action-subject"]').innerText()).to.match(
        new RegExp(`姓名：\\S+\\s+证书编号：${pass.idNumber}-\\d+`),
      );
      await screenshot(page, "certificate-revoke-dialog");
      await dialog.locator("textarea").fill("伪造从业经历，经查属实");
      await dialog.getByRole("button", { name: "确认吊销" }).click();
      await page.locator(".el-tag", { hasText: "吊销" }).first().waitFor();
      const stored = await node.ctx.conn.collection("certificates").findOne({ certificateNo: pass.idNumber });
      const changedAt = (stored?.statusChangedAt as Date).toISOString();
      const history = (await page.locator(".el-table", { hasText: "伪造从业经历" }).textContent()) ?? "";
      expect(history).to.include(clock(changedAt, "Asia/Shanghai").slice(0, 5));
      expect(history).to.not.include(clock(changedAt, "America/New_York").slice(0, 5));
      await screenshot(page, "certificate-revoked");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the second click of a double click on 发证 arrives after the first was issued, then the pass that moved up under the pointer stays pending", async () => {
    const inst = anotherInstance(node);
    const passes = [await aPass(node), await aPass(node)];
    for (const pass of passes) await inst.facade.issuance.onExamPassed(pass);
    const { context, page, errors } = await newYorkContext(browser, node.url);
    try {
      await loginThroughForm(page, officer.username, officer.password);
      await page.goto("/certificates/issuances");
      const rows = page.locator(".el-table__body .el-table__row");
      const first = rows.first();
      await first.waitFor();
      const firstId = (await first.innerText()).match(/\d{17}[\dX]/)?.[0];
      const next = passes.find((p) => p.idNumber !== firstId);
      if (!passes.some((p) => p.idNumber === firstId) || !next)
        throw new Error("the two passes are not listed first");
      await rows.nth(1).filter({ hasText: next.idNumber }).waitFor();
      // The first click through the locator, which waits for the table's layout to settle: a raw
      // click at a box measured while the table was still laying out could land beside the button.
      await first.getByRole("button", { name: "发证", exact: true }).click();
      // A quick node answers the first click before the second: the issued row leaves, the next moves up.
      await rows.filter({ hasText: firstId }).waitFor({ state: "detached" });
      const movedUp = rows.first().filter({ hasText: next.idNumber });
      const box = await movedUp.getByRole("button", { name: "发证", exact: true }).boundingBox();
      if (!box) throw new Error("the next pass did not move up");
      // The double click's second click (detail 2) lands on the button now under the pointer.
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down({ clickCount: 2 });
      await page.mouse.up({ clickCount: 2 });
      // An issue the click started shows at once (its button spins); let any such finish before counting.
      const spinning = page.locator(".el-table__body .el-button.is-loading");
      const startedByTheSecondClick = await spinning.count();
      await spinning.first().waitFor({ state: "detached" });
      expect(startedByTheSecondClick).to.equal(0);
      // The next pass is still listed, with its own 发证 to press.
      await rows
        .filter({ hasText: next.idNumber })
        .getByRole("button", { name: "发证", exact: true })
        .waitFor();
      const issued = await node.ctx.conn
        .collection("certificates")
        .countDocuments({ certificateNo: { $in: passes.map((p) => p.idNumber) } });
      expect(issued).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when anyone pastes the revoked certificate's QR text or uploads a photo of it on /verify, then it is authentic but revoked, with the revocation and as-of times in the node's zone", async () => {
    const stored = await node.ctx.conn.collection("certificates").findOne({ certificateNo });
    const qr = (stored?.signature as { qr: string }).qr;
    const changedAt = (stored?.statusChangedAt as Date).toISOString();
    const { context, page, errors } = await newYorkContext(browser, node.url);
    try {
      await page.goto("/verify");
      await page.locator('[data-test="qr-text"]').fill(qr);
      await page.locator('[data-test="verify"]').click();
      const status = page.locator('[data-test="verify-status"]');
      await status.waitFor();
      expect(await page.locator('[data-test="verdict"]').textContent()).to.include("证书真实，但当前无效");
      const text = (await status.textContent()) ?? "";
      // The officer's words stay on the officer's pages: anyone holding the QR code sees the state.
      expect(text).to.include("吊销").and.include("状态截至").and.not.include("伪造从业经历");
      expect(text).to.include(clock(changedAt, "Asia/Shanghai"));
      expect(text).to.not.include(clock(changedAt, "America/New_York"));
      expect(await page.locator(".el-alert", { hasText: "吊销" }).first().textContent()).to.include(
        clock(changedAt, "Asia/Shanghai"),
      );
      // The banner prints the time as the 状态 row does (年月日), not in a format of its own.
      const shown = /吊销于 (\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2})/.exec(text)?.[1];
      expect(shown).to.be.a("string");
      expect(await page.locator('[data-test="verdict"] .el-alert__description').innerText()).to.equal(
        `证书已于 ${shown} 吊销`,
      );
      expect(await page.locator('[data-test="signature-words"]').innerText()).to.match(
        /^已由江苏省发证机关数字签名（(Ed25519|SM2\/SM3)）$/,
      );
      // The validity as the signed claims give it, in 年月日; every instant on the page to the second.
      const fieldsText = await page.locator(".el-descriptions").innerText();
      expect(fieldsText).to.include(
        `${zhDate(String(stored?.validFrom))} 至 ${zhDate(String(stored?.validTo))}`,
      );
      const stamp = String.raw`\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}`;
      expect(fieldsText).to.match(new RegExp(`签发时间\\s+${stamp}`));
      expect(fieldsText).to.match(new RegExp(`生成于\\s+${stamp}`));
      // The trust list's compiler by name, not `province:320000`.
      expect(await page.locator('[data-test="trust-issuer"]').textContent()).to.equal("江苏省");
      await screenshot(page, "verify-revoked");

      // A photo of the printed certificate: the page rendered at 150 dpi, read in the browser.
      execFileSync("pdftoppm", ["-r", "150", "-png", "-singlefile", pdfPath, join(work, "page")]);
      await page.reload();
      await page.getByRole("tab", { name: "上传 PDF 或图片" }).click();
      await page.locator('input[type="file"]').setInputFiles(join(work, "page.png"));
      await page.locator('[data-test="verify-status"]').waitFor();
      expect(await page.locator(".el-descriptions").textContent()).to.include(certificateNo);
      expect(await page.locator('[data-test="verify-status"]').textContent()).to.include("吊销");
      await screenshot(page, "verify-image-upload");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a valid certificate was verified and the next check cannot reach the server, then its 证书真实有效 is gone and the page says the check could not be made, not that the certificate failed it", async () => {
    const inst = anotherInstance(node);
    const pass = await aPass(node);
    const { certificateNo: validNo } = await inst.facade.issuance.issue(
      officerActor,
      await pendingIssuanceOf(inst, pass),
    );
    const stored = await node.ctx.conn.collection("certificates").findOne({ certificateNo: validNo });
    const { context, page, errors } = await newYorkContext(browser, node.url);
    try {
      await page.goto("/verify");
      await page.locator('[data-test="qr-text"]').fill((stored?.signature as { qr: string }).qr);
      await page.locator('[data-test="verify"]').click();
      const verdict = page.locator('[data-test="verdict"]');
      await verdict.getByText("证书真实有效").waitFor();

      await page.route("**/api/certificates/verify", (route) => route.abort("connectionfailed"));
      await page.locator('[data-test="qr-text"]').fill("RC1:另一张证书的二维码内容");
      await page.locator('[data-test="verify"]').click();
      // No verdict at all: an officer must not read a lost connection as a forged certificate.
      const unavailable = page.locator('[data-test="verify-unavailable"]');
      await unavailable.getByText("无法连接核验服务，请稍后重试").waitFor();
      expect(await unavailable.innerText())
        .to.include("无法连接服务器")
        .and.include("不表示证书有问题");
      expect(await verdict.count()).to.equal(0);
      expect(await page.getByText("验证未通过").count()).to.equal(0);
      expect(await page.getByText("证书真实有效").count()).to.equal(0);
      // The other certificate's fields went with its verdict.
      expect(await page.locator(".result").innerText()).not.to.include(validNo);
      // The page asks the server: its intro does not promise a check that needs no connection.
      expect(await page.locator(".hint").first().innerText())
        .to.include("提交本系统核验")
        .and.not.include("离线");
      await screenshot(page, "verify-failed-after-valid");

      // A node whose verification service fails (a 5xx) is no verdict either.
      await page.unroute("**/api/certificates/verify");
      await page.route("**/api/certificates/verify", (route) =>
        route.fulfill({ status: 502, contentType: "text/html", body: "<h1>502 Bad Gateway</h1>" }),
      );
      await page.locator('[data-test="verify"]').click();
      await unavailable.getByText("服务器错误（502）").waitFor();
      expect(await unavailable.innerText()).to.include("无法连接核验服务，请稍后重试");
      expect(await page.getByText("验证未通过").count()).to.equal(0);

      // Reachable again, the same text gets the server's own verdict on it.
      await page.unroute("**/api/certificates/verify");
      await page.locator('[data-test="verify"]').click();
      await verdict.getByText("验证未通过").waitFor();
      expect(await unavailable.count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when 打开摄像头 is pressed twice and the certificate is held up to the camera, then the code is read from the video and verified, and no camera is left on", async () => {
    // Chromium's fake camera plays a Y4M file: the certificate page, greyscale, as one frame.
    execFileSync("pdftoppm", ["-r", "150", "-gray", "-singlefile", pdfPath, join(work, "page")]);
    const video = join(work, "camera.y4m");
    writeFileSync(video, pgmToY4m(readFileSync(join(work, "page.pgm"))));
    const camera = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      const context = await camera.newContext({
        baseURL: node.url,
        locale: "zh-CN",
        permissions: ["camera"],
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      // Every camera stream the page opens, to see afterwards that none was left running.
      // (Page scripts as text: the tests are type-checked without the DOM's types.)
      await page.addInitScript(`(() => {
        const streams = [];
        globalThis.cameraStreams = streams;
        const media = navigator.mediaDevices;
        const open = media.getUserMedia.bind(media);
        media.getUserMedia = (constraints) =>
          open(constraints).then((stream) => (streams.push(stream), stream));
      })()`);
      await page.goto("/verify");
      await page.getByRole("tab", { name: "摄像头扫码" }).click();
      // Pressed twice: one camera, and it is off once the code is read.
      await page.getByRole("button", { name: "打开摄像头" }).dblclick();
      await page.locator('[data-test="verify-status"]').waitFor({ timeout: 60_000 });
      expect(await page.locator(".el-descriptions").textContent()).to.include(certificateNo);
      const tracks = (await page.evaluate(
        "globalThis.cameraStreams.map((s) => s.getTracks().map((t) => t.readyState))",
      )) as string[][];
      expect(tracks).to.deep.equal([["ended"]]);
      expect(errors).to.deep.equal([]);
    } finally {
      await camera.close();
    }
  });

  it("when there are more certificates than one page, then 加载更多 brings the rest once each, and the status filter narrows the list", async () => {
    const template = await node.ctx.conn.collection("certificates").findOne({ certificateNo });
    if (!template) throw new Error("the first test's certificate is missing");
    const { _id: _ignored, ...rest } = template;
    await node.ctx.conn.collection("certificates").insertMany(
      Array.from({ length: 230 }, (_, i) => ({
        ...rest,
        certificateNo: `E2E${String(i).padStart(15, "0")}`,
        statusIndex: 8_000_000 + i,
        status: "valid",
      })),
    );
    const all = await node.ctx.conn.collection("certificates").countDocuments({});
    const { context, page, errors } = await newYorkContext(browser, node.url);
    try {
      await loginThroughForm(page, officer.username, officer.password);
      await page.goto("/certificates");
      const count = page.locator('[data-test="list-count"]');
      await count.getByText(`已显示最近 200 张 / 共 ${all} 张`).waitFor();
      // Typed but not searched: 加载更多 continues the list shown, not a mix with the new filter.
      await page.getByPlaceholder("身份证号（证号）").fill(certificateNo);
      await page.locator('[data-test="load-more"]').click();
      await count.getByText(`共 ${all} 张`, { exact: true }).waitFor();
      expect(await page.locator(".el-table__body .el-table__row").count()).to.equal(all);
      expect(await page.locator('[data-test="load-more"]').count()).to.equal(0);
      const numbers = await page.locator(".el-table__body .el-table__row td:nth-child(2)").allInnerTexts();
      expect(new Set(numbers).size).to.equal(all);

      await page.locator('[data-test="status-filter"]').click();
      await page.getByRole("option", { name: "吊销" }).click();
      await count.getByText("共 1 张", { exact: true }).waitFor();
      expect(await page.locator(".el-table__body").innerText()).to.include(certificateNo);
      expect(await page.locator(".el-table__body").innerText()).to.include(zhDate(String(template.validTo)));
      await screenshot(page, "certificates-filtered");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
