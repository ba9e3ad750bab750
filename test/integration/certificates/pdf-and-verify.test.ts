import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { MAX_PDF_QR_ENTRIES, MAX_VERIFY_PDF_BYTES } from "../../../server/certificates/crypto/pdf-payload.js";
import { MAX_PHOTO_BYTES } from "../../../server/contracts/registration.js";
import { staffAgent } from "../../helpers/auth.js";
import { anotherInstance, aPass, officer, startCertNode, type TestNode } from "./support.js";

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("certificate PDF, QR and the verification API (Debian tools: pdftotext, pdffonts, pdftoppm, zbarimg)", function () {
  this.timeout(120_000);
  let node: TestNode;
  let dir: string;
  before(async () => {
    node = await startCertNode({ CERT_SUITE: "sm2-sm3" });
    dir = mkdtempSync(join(tmpdir(), "cert-pdf-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await node.stop();
  });

  async function issued(...passOf: Parameters<typeof aPass> extends [unknown, ...infer R] ? R : never) {
    const inst = anotherInstance(node);
    await inst.feature.start?.();
    const pass = await aPass(node, ...passOf);
    await inst.facade.issuance.onExamPassed(pass);
    const p = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    )!;
    const record = await inst.facade.issuance.issue(officer, String(p._id));
    return { inst, pass, record };
  }

  it("when an officer downloads an issued certificate, then its text, embedded subset CJK font and scannable QR are all there, and the QR verifies through the API", async () => {
    // 鼓楼区 is a district of 南京 and of 徐州 (among others): the address names which.
    const { pass, record } = await issued("01001", { candidate: { addressDivisionCode: "320302" } });
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const res = await agent
      .get(`/api/certificates/${pass.idNumber}/pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.contain("application/pdf");
    const file = join(dir, "cert.pdf");
    writeFileSync(file, res.body as Buffer);

    const text = run("pdftotext", [file, "-"]);
    expect(text).to.contain(pass.name);
    expect(text).to.contain(pass.idNumber);
    expect(text).to.contain("经营性道路旅客运输驾驶员");
    expect(text).to.contain("江苏省徐州市鼓楼区");
    const [y, m, d] = record.validTo.split("-");
    expect(text).to.contain(`${y}年${m}月${d}日`);

    const fonts = run("pdffonts", [file]);
    const cjk = fonts.split("\n").filter((l) => l.includes("NotoSansSC"));
    expect(cjk.length).to.be.greaterThan(0);
    for (const line of cjk) {
      expect(line).to.match(/^[A-Z]{6}\+NotoSansSC/); // subset tag
      expect(line).to.match(/yes\s+yes\s+yes/); // embedded, subset, unicode map
    }

    run("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", file, join(dir, "page")]);
    const qr = run("zbarimg", [
      "--quiet",
      "--raw",
      "-Sdisable",
      "-Sqrcode.enable",
      join(dir, "page-1.png"),
    ]).trim();
    expect(qr.startsWith("RC1:")).to.equal(true);
    const anon = request(node.url);
    const verdict = (await anon.post("/api/certificates/verify").send({ text: qr }).expect(200)).body as {
      ok: boolean;
      code: string;
      claims: { name: string; suite: string };
    };
    expect(verdict).to.deep.include({ ok: true, code: "valid" });
    expect(verdict.claims).to.deep.include({ name: pass.name, suite: "sm2-sm3" });
    const fromPdf = (
      await anon
        .post("/api/certificates/verify-pdf")
        .set("content-type", "application/pdf")
        .send(res.body as Buffer)
        .expect(200)
    ).body as { ok: boolean };
    expect(fromPdf.ok).to.equal(true);
  });

  it("when the holder does not drive (押运人员 without a licence), then the record names no licence and the PDF prints 无 on both licence lines where a driver's prints them", async () => {
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const pdfText = async (idNumber: string, name: string) => {
      const res = await agent
        .get(`/api/certificates/${idNumber}/pdf`)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
      const file = join(dir, `${name}.pdf`);
      writeFileSync(file, res.body as Buffer);
      return run("pdftotext", ["-layout", file, "-"]);
    };
    const escort = await issued("03003", { candidate: { withoutLicence: true } });
    expect(escort.record.holder).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
    const escortText = await pdfText(escort.pass.idNumber, "escort");
    expect(escortText).to.contain("道路危险货物运输押运人员");
    expect(escortText).to.match(/准驾车型\s+无/);
    expect(escortText).to.match(/初次领取驾驶证日期\s+无/);

    const driver = await issued("01001", {
      candidate: { licenceClass: "B2", licenceFirstIssuedOn: "2011-04-05" },
    });
    const driverText = await pdfText(driver.pass.idNumber, "driver");
    expect(driverText).to.match(/准驾车型\s+B2/);
    expect(driverText).to.match(/初次领取驾驶证日期\s+2011年04月05日/);
  });

  it("when a certificate is revoked, then verification says authentic but revoked with the time and not the officer's reason, and the status list shows it", async () => {
    const { inst, pass } = await issued();
    const doc = await inst.facade.lifecycle.get(officer, pass.idNumber);
    await inst.facade.lifecycle.changeStatus(officer, pass.idNumber, "revoke", {
      reason: "发生重大责任事故",
    });
    const verdict = await inst.facade.verifyText(doc.signature!.qr);
    expect(verdict).to.deep.include({ ok: false, authentic: true, code: "status_not_valid" });
    // The officer's words are the office's: a public verification says revoked, and when.
    expect(verdict.status).to.deep.include({ state: "revoked", source: "registry", reason: null });
    expect(verdict.message).to.include("吊销").and.not.include("责任事故");
    expect(verdict.status?.changedAt).to.be.a("string");
    const statusDoc = (await request(node.url).get("/api/certificates/status-list").expect(200)).body as {
      payload: string;
    };
    const body = JSON.parse(Buffer.from(statusDoc.payload, "base64url").toString("utf8")) as {
      encodedList: string;
      statusSize: number;
    };
    expect(body.statusSize).to.equal(2);
    expect(body.encodedList.startsWith("u")).to.equal(true);
  });

  /** The certificate PDF of `idNumber` as an officer downloads it. */
  async function downloadedPdf(idNumber: string): Promise<Buffer> {
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const res = await agent
      .get(`/api/certificates/${idNumber}/pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return res.body as Buffer;
  }
  const uploadPdf = (body: Buffer) =>
    request(node.url).post("/api/certificates/verify-pdf").set("content-type", "application/pdf").send(body);

  it("when a certificate is printed, then its headings are Simplified Chinese only: no English subtitle", async () => {
    const { pass } = await issued();
    const file = join(dir, "headings.pdf");
    writeFileSync(file, await downloadedPdf(pass.idNumber));
    const text = run("pdftotext", [file, "-"]);
    expect(text).to.contain("道路运输从业人员从业资格证");
    expect(text).not.to.match(/Road Transport|Practitioner|Qualification|Certificate/i);
  });

  it("when a genuine certificate PDF is uploaded, then it verifies, and even with the largest photo registration accepts it stays far below the upload limit", async () => {
    const { pass } = await issued();
    const file = await downloadedPdf(pass.idNumber);
    const verdict = (await uploadPdf(file).expect(200)).body as { ok: boolean; claims: { name: string } };
    expect(verdict).to.deep.include({ ok: true });
    expect(verdict.claims.name).to.equal(pass.name);
    // The photo is embedded as uploaded; everything else (text, font subset, vector QR) is small.
    expect(file.length + MAX_PHOTO_BYTES).to.be.below(MAX_VERIFY_PDF_BYTES / 2);
  });

  it("when an uploaded PDF carries more QR entries than a roadcert PDF ever has, then it is answered not_roadcert_certificate, though one of them is genuine", async () => {
    const { pass } = await issued();
    const genuine = await downloadedPdf(pass.idNumber);
    // The crafted upload: a flood of Info references to objects the file does not hold.
    const flood = Array.from({ length: 1_000 }, (_, i) => `\n/RoadcertQR ${i + 90_000} 0 R`).join("");
    const res = await uploadPdf(Buffer.concat([genuine, Buffer.from(flood, "latin1")])).expect(200);
    expect(res.body as object).to.deep.include({
      ok: false,
      authentic: false,
      code: "not_roadcert_certificate",
    });
    expect((res.body as { message: string }).message).to.contain(`${MAX_PDF_QR_ENTRIES}`);
    // A flood as large as the upload limit allows is answered the same (the search stops at the cap).
    const big = `%PDF-1.7\n${"/RoadcertQR 1 0 R\n".repeat(Math.floor(MAX_VERIFY_PDF_BYTES / 18) - 1)}`;
    const bigRes = await uploadPdf(Buffer.from(big, "latin1")).expect(200);
    expect((bigRes.body as { code: string }).code).to.equal("not_roadcert_certificate");
  });

  it("when an upload is larger than any certificate PDF can be, then it is refused 413 pdf_too_large with a Chinese message", async () => {
    const body = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), Buffer.alloc(MAX_VERIFY_PDF_BYTES)]);
    const res = await uploadPdf(body);
    expect(res.status).to.equal(413);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("pdf_too_large");
    expect(error.message).to.match(/PDF.*MB/);
  });

  it("when the verification API gets garbage, truncated, wrongly prefixed, huge or non-PDF input, then each gets a clear verdict and never a 500", async () => {
    const anon = request(node.url);
    const cases: [unknown, string][] = [
      [{ text: "hello" }, "not_roadcert_certificate"],
      [{ text: "RC1:ABC" }, "malformed_payload"],
      [{ text: `HC1:${"A".repeat(300)}` }, "not_roadcert_certificate"],
      [{ text: `RC1:${"9".repeat(40_000)}` }, "not_roadcert_certificate"],
    ];
    for (const [body, code] of cases) {
      const res = await anon.post("/api/certificates/verify").send(body as object);
      expect(res.status).to.equal(200);
      expect((res.body as { code: string }).code).to.equal(code);
    }
    const bad = await anon.post("/api/certificates/verify").send({ text: 42 });
    expect(bad.status).to.equal(400);
    const notPdf = await anon
      .post("/api/certificates/verify-pdf")
      .set("content-type", "image/png")
      .send(Buffer.from("not a pdf"));
    expect((notPdf.body as { code: string }).code).to.equal("not_roadcert_certificate");
    const noQr = await anon
      .post("/api/certificates/verify-pdf")
      .set("content-type", "application/pdf")
      .send(Buffer.from("%PDF-1.7\n%%EOF"));
    expect((noQr.body as { code: string }).code).to.equal("qr_not_found");
  });
});
