import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { Types } from "mongoose";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";
import { aCertificateHolder, anAgreedTransfer } from "../exchange/transfers.js";
import { anotherInstance, aPass, officer } from "./support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** A real 3×4 grey PNG (the shared test photo is only JPEG-looking bytes, which no PDF can draw). */
function aDrawablePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(3, 0);
  header.writeUInt32BE(4, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const rows = Buffer.concat(Array.from({ length: 4 }, () => Buffer.from([0, 0x80, 0x80, 0x80])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A certificate issued here on a transfer (转籍换发) that later gains a category from an exam
 * passed here: 江苏 issues, 北京 takes the holder over through the hub's exchange.
 */
describe("a certificate transferred in, then extended by a category passed here", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let js: AuthedAgent;
  let bj: AuthedAgent;
  let dir: string;
  const bjOfficer = { ...officer, divisionCode: "110000", provinceCode: "110000" };

  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000", { CERT_AUTO_ISSUE: "true", EXCHANGE_POLL_MS: "100" });
    beijing = await aProvinceOfHub(hub, "110000", { EXCHANGE_POLL_MS: "100" });
    js = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
    bj = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    dir = mkdtempSync(join(tmpdir(), "cert-transfer-pdf-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([jiangsu?.stop(), beijing?.stop()]);
    await hub?.node.stop();
  });

  /** The holder's pass here, registered with a photo a PDF can draw. */
  async function aPassHereWithPhoto(p: {
    idNumber: string;
    name: string;
  }): Promise<DomainEvents["exam.passed"]> {
    const pass = await aPass(beijing, "01001", {
      candidate: { idNumber: p.idNumber, name: p.name, divisionCode: "110100" },
    });
    const db = beijing.ctx.conn;
    const candidate = await db
      .collection("candidates")
      .findOne({ _id: new Types.ObjectId(pass.candidateId) });
    const png = aDrawablePng();
    await db
      .collection("candidate_photos")
      .updateOne(
        { _id: new Types.ObjectId(String(candidate?.photoId)) },
        { $set: { mimeType: "image/png", data: png, size: png.length } },
      );
    return pass;
  }

  it("when a transferred-in certificate gains a category passed here, then its PDF shows the photo the certificate now names", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await anAgreedTransfer(js, bj, p, hub);
    await bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({}).expect(201);

    const inst = anotherInstance(beijing);
    const pass = await aPassHereWithPhoto(p);
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(bjOfficer, { status: "pending" })).issuances.find(
      (i) => i.attemptId === pass.attemptId,
    );
    const record = await inst.facade.issuance.issue(bjOfficer, String(pending?._id));
    expect(record.categories.map((c) => c.code)).to.deep.equal(["02001", "01001"]);
    const doc = await inst.facade.lifecycle.get(bjOfficer, p.idNumber);
    expect(doc.photoId).to.be.a("string");

    const file = join(dir, "extended.pdf");
    writeFileSync(file, await inst.facade.certificatePdf(bjOfficer, p.idNumber));
    const images = execFileSync("pdfimages", ["-list", file], { encoding: "utf8" }).trim().split("\n");
    expect(images.slice(2), "images on the page (the QR is vector)").to.have.length(1);
    expect(execFileSync("pdftotext", [file, "-"], { encoding: "utf8" })).not.to.contain("照片");
  });
});
