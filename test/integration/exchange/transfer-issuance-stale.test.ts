import { expect } from "chai";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { AuthedAgent } from "../../helpers/auth.js";
import { type aProvinceOfHub, type TestHub } from "../hub/support.js";
import { aCertificateHolder, anAgreedTransfer, certificateAt, useTwoProvinces } from "./transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * A stale home list on a network of its own: 北京 keeps the newest list of 江苏 it has seen (an
 * older copy from the hub gives way to it, as a rolled-back copy must), so the hub's copy reads
 * stale to 北京 only where 北京 has seen none newer, as when 江苏's pushes stopped reaching the hub
 * before 北京 first read it. In transfer-issuance.test.ts 北京 has read fresher lists by then.
 */
describe("cross-province exchange: issuance on a transfer refused on a stale home list", function () {
  this.timeout(120_000);
  let hub: TestHub, jiangsu: Node, beijing: Node, bj: AuthedAgent, js: AuthedAgent;
  useTwoProvinces((net) => ({ hub, jiangsu, beijing, js, bj } = net));

  const bjCase = async (caseId: string) =>
    (await bj.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;

  it("when the hub's copy of 江苏's status list is older than 15 minutes, then 北京 does not issue on it (source_status_stale) and writes nothing", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await anAgreedTransfer(js, bj, p, hub);
    // 江苏's list as it was 20 minutes ago, signed by its key: what the hub still holds when 江苏's
    // pushes stopped reaching it (unexpired: a list is valid for a day).
    const earlier = new Date(Date.now() - 20 * 60_000);
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
      const res = await bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal("source_status_stale");
      expect(res.body.error.message)
        .to.match(/[\u4e00-\u9fff]/)
        .and.contain("15 分钟");
      expect(await certificateAt(beijing, p.idNumber)).to.equal(null);
      expect((await bjCase(caseId)).issued).to.equal(null);
      expect(
        await beijing.ctx.conn.collection("exchange_outgoing").countDocuments({ caseId, purpose: "issued" }),
      ).to.equal(0);
    } finally {
      // 江苏's list goes back for the tests after this one, unless 江苏 pushed a newer one meanwhile.
      if (held) {
        const { _id: _held, ...fields } = held;
        await lists.updateOne({ provinceCode: "320000", generatedAt: earlier }, { $set: fields });
      }
    }
  });
});
