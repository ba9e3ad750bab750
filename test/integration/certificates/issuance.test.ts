import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  officer,
  pendingIssuanceOf,
  recordPassResult,
  startCertNode,
  type TestNode,
} from "./support.js";

describe("certificate issuance from exam.passed", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());

  it("when exam.passed is delivered twice to two instances and both try to issue, then exactly one certificate, one issued event and one audit entry exist", async () => {
    const a = anotherInstance(node);
    const b = anotherInstance(node);
    await a.feature.start?.();
    await b.feature.start?.();
    const pass = await aPass(node);
    await Promise.all([
      a.facade.issuance.onExamPassed(pass),
      b.facade.issuance.onExamPassed(pass),
      a.facade.issuance.onExamPassed(pass),
    ]);
    const pending = (await a.facade.issuance.page(officer, { status: "pending" })).issuances;
    const mine = pending.filter((p) => p.attemptId === pass.attemptId);
    expect(mine).to.have.length(1);
    const id = String(mine[0]!._id);
    const results = await Promise.allSettled([
      a.facade.issuance.issue(officer, id),
      b.facade.issuance.issue(officer, id),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
    const refused = results.find((r) => r.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).to.have.property("status", 409);
    const certs = await node.ctx.conn
      .collection("certificates")
      .find({ certificateNo: pass.idNumber })
      .toArray();
    expect(certs).to.have.length(1);
    expect(certs[0]).to.deep.include({ version: 1, status: "valid" });
    const events = await outboxModel(node.ctx.conn)
      .find({ name: "certificate.issued", key: new RegExp(pass.idNumber) })
      .lean();
    expect(events).to.have.length(1);
    const payload = events[0]!.payload as {
      record: { provinceCode: string; serial: string; certificateNo: string };
      signature: { suite: string; kid: string; value: string; qr: string };
      kind: string;
    };
    expect(payload.record).to.deep.include({
      provinceCode: "320000",
      certificateNo: pass.idNumber,
      serial: `${pass.idNumber}-01`,
    });
    expect(payload.signature.qr.startsWith("RC1:")).to.equal(true);
    expect(payload.kind).to.equal("first_issue");
    const audits = await node.ctx.conn
      .collection("audit_log")
      .find({ action: "certificate.issued", "target.id": pass.idNumber })
      .toArray();
    expect(audits).to.have.length(1);
    // Delivered again after issuance: still one issuance, one certificate.
    await b.facade.issuance.onExamPassed(pass);
    expect(
      await node.ctx.conn.collection("certificate_issuances").countDocuments({ attemptId: pass.attemptId }),
    ).to.equal(1);
  });

  it("when the audit entry cannot be written, then the issuance stays pending and no certificate, outbox entry or audit entry is left", async () => {
    const real = createAuditService(node.ctx.conn);
    // Writes the entry, then fails: only a shared transaction can take the entry back out.
    const failing = {
      transaction: real.transaction,
      append: async (...args: Parameters<typeof real.append>) => {
        await real.append(...args);
        throw new Error("audit store unavailable");
      },
    };
    const inst = anotherInstance(node, undefined, failing);
    const pass = await aPass(node);
    const error = await issueError(inst, await pendingIssuanceOf(inst, pass));
    expect(error).to.be.instanceOf(Error);
    await expectNothingIssued(node, pass);
  });

  it("when an instance's clock is an hour behind the making of the node's signing key, then it refuses to issue (signing_key_not_valid_at_issue) and writes nothing, and an instance on time issues it", async () => {
    const behind = anotherInstance(node, () => new Date(Date.now() - 60 * 60_000));
    const pass = await aPass(node);
    const pending = await pendingIssuanceOf(behind, pass);
    const error = await issueError(behind, pending);
    expect(error).to.include({ code: "signing_key_not_valid_at_issue", status: 409 });
    // Both times in the node's zone (Asia/Shanghai here), written as the pages write theirs
    // (2026年12月7日 00:30:05), so the officer's screen never mixes two date formats.
    const localTime = "\\d{4}年\\d{1,2}月\\d{1,2}日 \\d{2}:\\d{2}:\\d{2}";
    expect((error as Error).message).to.match(
      new RegExp(`^签发时间 ${localTime} 早于本节点当前签名密钥的启用时间 ${localTime}，`),
    );
    await expectNothingIssued(node, pass);

    // Signed on time, the same issuance goes through and its QR verifies on this node.
    const onTime = anotherInstance(node);
    const record = await onTime.facade.issuance.issue(officer, pending);
    const doc = await onTime.facade.lifecycle.get(officer, record.certificateNo);
    expect(await onTime.facade.verifyText(doc.signature!.qr!)).to.deep.include({ ok: true, code: "valid" });
  });

  it("when two categories of one new holder are issued at once (two instances), then both land on one certificate, whichever commits first", async () => {
    const a = anotherInstance(node);
    const b = anotherInstance(node);
    await a.feature.start?.();
    await b.feature.start?.();
    const first = await aPass(node, "01001");
    const second = { ...first, attemptId: `${first.attemptId}-b`, categoryCode: "02001" };
    await recordPassResult(node, second);
    await a.facade.issuance.onExamPassed(first);
    await a.facade.issuance.onExamPassed(second);
    const pending = (await a.facade.issuance.page(officer, { status: "pending" })).issuances;
    const idOf = (attemptId: string) => String(pending.find((p) => p.attemptId === attemptId)!._id);
    // Both read "no certificate yet" before either commits: the second insert meets the first.
    const results = await Promise.allSettled([
      a.facade.issuance.issue(officer, idOf(first.attemptId)),
      b.facade.issuance.issue(officer, idOf(second.attemptId)),
    ]);
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "issued"))).to.deep.equal([
      "issued",
      "issued",
    ]);
    const certs = await node.ctx.conn
      .collection("certificates")
      .find({ certificateNo: first.idNumber })
      .toArray();
    expect(certs).to.have.length(1);
    expect(certs[0]?.version).to.equal(2);
    expect((certs[0]?.categories as { code: string }[]).map((c) => c.code).sort()).to.deep.equal([
      "01001",
      "02001",
    ]);
  });

  it("when a holder passes a second category, then it becomes version 2 of the same certificate with both categories, and its QR verifies", async () => {
    const inst = anotherInstance(node);
    await inst.feature.start?.();
    const first = await aPass(node, "01001");
    await inst.facade.issuance.onExamPassed(first);
    const p1 = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === first.attemptId,
    )!;
    await inst.facade.issuance.issue(officer, String(p1._id));
    const second = { ...first, attemptId: `${first.attemptId}-b`, categoryCode: "02001" };
    await recordPassResult(node, second);
    await inst.facade.issuance.onExamPassed(second);
    const p2 = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === second.attemptId,
    )!;
    const record = await inst.facade.issuance.issue(officer, String(p2._id));
    expect(record.version).to.equal(2);
    expect(record.categories.map((c) => c.code)).to.deep.equal(["01001", "02001"]);
    const doc = await inst.facade.lifecycle.get(officer, first.idNumber);
    const verdict = await inst.facade.verifyText(doc.signature!.qr!);
    expect(verdict).to.deep.include({ ok: true, code: "valid" });
    expect(verdict.claims?.categories).to.deep.equal(["01001", "02001"]);
    expect(verdict.status?.source).to.equal("registry");
    // The same category again is refused.
    const third = { ...first, attemptId: `${first.attemptId}-c` };
    await recordPassResult(node, third);
    await inst.facade.issuance.onExamPassed(third);
    const p3 = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === third.attemptId,
    )!;
    try {
      await inst.facade.issuance.issue(officer, String(p3._id));
      expect.fail("issued twice");
    } catch (err) {
      expect(err).to.have.property("code", "category_already_held");
    }
  });
  it("when more passes wait than a page holds, then the pages reach every one, the oldest waiting included, each once", async () => {
    const inst = anotherInstance(node);
    const oldest = await aPass(node);
    await inst.facade.issuance.onExamPassed({
      ...oldest,
      submittedAt: new Date(Date.now() - 3650 * 86_400_000).toISOString(),
    });
    const issuances = node.ctx.conn.collection("certificate_issuances");
    const template = await issuances.findOne({ attemptId: oldest.attemptId });
    if (!template) throw new Error("no pending issuance to copy");
    const { _id: _ignored, ...rest } = template;
    // 450 passes of one instant (a session published at once), told apart by id only.
    const at = new Date(Date.now() + 60_000);
    const batch = Array.from({ length: 450 }, (_, i) => ({ ...rest, attemptId: `batch-${i}`, passedAt: at }));
    await issuances.insertMany(batch);
    try {
      const pending = await issuances.countDocuments({ status: "pending" });
      const seen: string[] = [];
      let before: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await inst.facade.issuance.page(officer, {
          status: "pending",
          ...(before ? { before } : {}),
        });
        expect(page.total).to.equal(pending);
        seen.push(...page.issuances.map((x) => x.attemptId));
        if (!page.next) break;
        before = page.next;
      }
      expect(seen).to.have.length(pending);
      expect(new Set(seen).size).to.equal(pending);
      expect(seen.at(-1)).to.equal(oldest.attemptId);
    } finally {
      // Other tests find their pending issuance among the newest.
      await issuances.deleteMany({ attemptId: { $regex: "^batch-" } });
    }
  });
});
