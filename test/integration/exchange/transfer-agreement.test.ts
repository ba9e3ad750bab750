import { expect } from "chai";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { AuthedAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { type aProvinceOfHub, type TestHub } from "../hub/support.js";
import {
  aCertificateHolder,
  aHubStatusListSince,
  anAgreedTransfer,
  aTransferAskedOf,
  certificateAt,
  useTwoProvinces,
} from "./transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * A transfer (转籍) between its agreement and the receiving province's issuance: the receiving
 * province issues only on a hub copy of the home's status list made since the home agreed; the home
 * pushes one as soon as the hub has its agreement; and a home that revoked or withdrew its
 * certificate before the issuance notice reached it tells the receiving province, whose officers
 * decide what becomes of the certificate they issued.
 */
describe("cross-province exchange: from a transfer's agreement to its issuance, hub and two province nodes", function () {
  this.timeout(120_000);
  let hub: TestHub, jiangsu: Node, beijing: Node, js: AuthedAgent, bj: AuthedAgent;
  useTwoProvinces((net) => ({ hub, jiangsu, beijing, js, bj } = net));

  const caseAt = async (officer: AuthedAgent, caseId: string) =>
    (await officer.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;

  for (const [home, to, homeCode] of [
    ["江苏", "北京", "320000"],
    ["北京", "江苏", "110000"],
  ] as const) {
    it(`when ${home} agrees to a transfer to ${to}, then ${home} pushes its status list to the hub at once: the hub's copy is made no earlier than the agreement`, async () => {
      const [homeNode, homeOfficer, toOfficer] =
        homeCode === "320000" ? [jiangsu, js, bj] : [beijing, bj, js];
      const p = await aCertificateHolder(
        hub,
        homeNode,
        "02001",
        homeCode === "110000" ? { divisionCode: "110100", addressDivisionCode: "110105" } : {},
      );
      const caseId = await aTransferAskedOf(homeOfficer, toOfficer, p);
      await homeOfficer.agent
        .post(`/api/exchange/cases/${caseId}/answer`)
        .send({ outcome: "acknowledged" })
        .expect(200);
      const agreed = await eventually(async () => {
        const c = await caseAt(toOfficer, caseId);
        return c.state === "acknowledged" ? c : null;
      });
      // The agreement's time is the hub's; every list the hub held was made before it.
      expect(agreed.ack?.at).to.be.a("string");
      const made = await aHubStatusListSince(hub, homeCode, agreed.ack?.at ?? "");
      expect(made.getTime()).to.be.at.least(Date.parse(agreed.ack?.at ?? ""));
    });
  }

  /**
   * Puts in the hub, for `work`, 江苏's list as it was `msBefore` its agreement, signed by its key:
   * what the hub still held had 江苏's push after the agreement not reached it.
   */
  async function withHomeListBeforeAgreement(caseId: string, msBefore: number, work: () => Promise<void>) {
    const agreedAt = (await caseAt(bj, caseId)).ack?.at ?? "";
    const earlier = new Date(Date.parse(agreedAt) - msBefore);
    const old = await createSigningService(jiangsu.ctx.conn, {
      provinceCode: "320000",
      suite: jiangsu.ctx.config.certificates.suite,
      keysDir: jiangsu.ctx.config.certificates.keysDir,
      trustDemo: false,
      peers: [],
      logger: jiangsu.ctx.logger,
      timeZone: jiangsu.ctx.config.timeZone,
      clock: () => earlier,
    }).statusListDocument({ fresh: true });
    const lists = hub.node.ctx.conn.collection("hub_status_lists");
    const held = await lists.findOne({ provinceCode: "320000" });
    await lists.updateOne({ provinceCode: "320000" }, { $set: { document: old, generatedAt: earlier } });
    try {
      await work();
    } finally {
      // 江苏's list goes back for the tests after this one, unless 江苏 pushed a newer one meanwhile.
      if (held) {
        const { _id: _held, ...fields } = held;
        await lists.updateOne({ provinceCode: "320000", generatedAt: earlier }, { $set: fields });
      }
    }
  }

  it("when the hub's copy of 江苏's status list was made minutes before 江苏 agreed (though within 15 minutes), then 北京 does not issue on it (source_status_stale) and writes nothing", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await anAgreedTransfer(js, bj, p, hub);
    const agreedAt = (await caseAt(bj, caseId)).ack?.at ?? "";
    await withHomeListBeforeAgreement(caseId, 3 * 60_000, async () => {
      const res = await bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal("source_status_stale");
      expect(res.body.error.message).to.contain("早于原籍省份同意转籍的时间");
      expect(res.body.error.details).to.include({ agreedAt });
      expect(await certificateAt(beijing, p.idNumber)).to.equal(null);
      expect((await caseAt(bj, caseId)).issued).to.equal(null);
      expect(
        await beijing.ctx.conn.collection("exchange_outgoing").countDocuments({ caseId, purpose: "issued" }),
      ).to.equal(0);
    });
  });

  it("when the hub's copy was dated seconds before the agreement (the home's clock behind the hub's), then 北京 issues on it", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await anAgreedTransfer(js, bj, p, hub);
    await withHomeListBeforeAgreement(caseId, 5_000, async () => {
      const res = await bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(await certificateAt(beijing, p.idNumber)).to.not.equal(null);
    });
  });

  for (const [action, done, word] of [
    ["revoke", "revoked", "吊销"],
    ["withdraw", "withdrawn", "撤销"],
  ] as const) {
    it(`when 江苏 had ${done} its certificate before 北京's issuance notice reached it, then 北京's officers are told on the case, in Chinese, and must decide: 北京's certificate is not revoked by itself`, async () => {
      const p = await aCertificateHolder(hub, jiangsu);
      const caseId = await anAgreedTransfer(js, bj, p, hub);
      // Nothing of 江苏's reaches the hub meanwhile: its copy of 江苏's list, made since the
      // agreement, still says valid, and 北京 issues on it.
      await hub.registry.setStatus("320000", "suspended");
      try {
        await js.agent
          .post(`/api/certificates/${p.idNumber}/${action}`)
          .send({ reason: "以欺骗手段取得从业资格" })
          .expect(200);
        const issued = await bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
        expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
      } finally {
        await hub.registry.setStatus("320000", "active");
      }

      // 北京's case says so, once 江苏's word arrives through the hub.
      const told = await eventually(async () => {
        const c = await caseAt(bj, caseId);
        return c.sourceEnded ? c : null;
      });
      expect(told.sourceEnded).to.include({ status: done, reason: "以欺骗手段取得从业资格" });
      expect(told.sourceEnded?.statusChangedAt).to.be.a("string");
      const note = told.history.at(-1);
      expect(note?.by).to.contain("江苏");
      expect(note?.note).to.contain(`原籍证书已被${word}`).and.contain("请核查后决定");
      // An officer decides: 北京's certificate stands until then. The word is in 北京's audit log.
      expect(await certificateAt(beijing, p.idNumber)).to.include({ status: "valid" });
      const entries = await beijing.ctx.conn
        .collection("audit_log")
        .find({ action: "exchange.transfer.source_ended", "target.id": caseId })
        .toArray();
      expect(entries).to.have.length(1);
      expect(entries[0]?.details).to.include({ idNumber: p.idNumber, homeProvince: "320000", status: done });

      // 江苏 keeps its certificate as it ended, and its case does not claim it was cancelled.
      expect(await certificateAt(jiangsu, p.idNumber)).to.deep.include({ status: done, supersededBy: null });
      const atHome = await caseAt(js, caseId);
      expect(atHome.sourceEnded).to.include({ status: done });
      const homeNote = atHome.history.find((h) => h.note?.includes("对方已换发新证"));
      expect(homeNote?.note).to.contain(`本省证书此前已${word}`).and.not.contain("本省证书已注销");
      // Told once: one message at the hub, one entry in 江苏's queue, sent.
      const atHub = await hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
      expect(atHub?.sourceEnded).to.include({ status: done, certificateNo: p.idNumber });
      expect(
        await jiangsu.ctx.conn
          .collection("exchange_outgoing")
          .find({ caseId, purpose: "source_ended" })
          .toArray(),
      ).to.have.length(1);
      expect(
        await jiangsu.ctx.conn
          .collection("audit_log")
          .countDocuments({ action: "certificate.transfer_issued_over_ended", "target.id": p.idNumber }),
      ).to.equal(1);
    });
  }
});
