import { expect } from "chai";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { AuthedAgent } from "../../helpers/auth.js";
import { type aProvinceOfHub, type TestHub } from "../hub/support.js";
import { aCertificateHolder, aTransferAskedOf, useTwoProvinces } from "./transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * The home province's agreement to a transfer (转籍) is its word that the person holds a valid
 * certificate there. Without a signed certificate to send, the hub sends its own copy of the home's
 * record, which lags behind the home: a revocation held in the home's queue (hub unreachable, node
 * suspended, a record parked) left the copy valid, and the receiving province issued a valid
 * certificate from it. The home refuses instead whenever it holds a certificate that is not valid;
 * the hub's copy stands in only for a holder it holds no certificate of (its old register).
 */
describe("cross-province exchange: the home province agrees to a transfer only on a valid certificate of its own", function () {
  this.timeout(120_000);
  let hub: TestHub, jiangsu: Node, js: AuthedAgent, bj: AuthedAgent;
  useTwoProvinces((net) => ({ hub, jiangsu, js, bj } = net));

  const hubPointer = (idNumber: string) =>
    hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const hubCase = (caseId: string) => hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const jsCase = async (caseId: string) =>
    (await js.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;

  /** Runs `work` while the hub operator has 江苏's node suspended: nothing of 江苏's reaches the hub. */
  async function whileJiangsuIsCutOff(work: () => Promise<void>): Promise<void> {
    await hub.registry.setStatus("320000", "suspended");
    try {
      await work();
    } finally {
      await hub.registry.setStatus("320000", "active");
    }
  }

  for (const [action, done, label] of [
    ["revoke", "revoked", "吊销"],
    ["withdraw", "withdrawn", "撤销"],
  ] as const) {
    it(`when 江苏 has ${done} its certificate of the person and the change has not reached the hub yet, then 江苏's agreement to 北京's transfer is refused certificate_not_valid and nothing is written or sent`, async () => {
      const p = await aCertificateHolder(hub, jiangsu);
      const caseId = await aTransferAskedOf(js, bj, p);
      await whileJiangsuIsCutOff(async () => {
        await js.agent
          .post(`/api/certificates/${p.idNumber}/${action}`)
          .send({ reason: "违法经营" })
          .expect(200);
        // The precondition of the harm: the hub's copy of 江苏's record still says valid.
        expect(await hubPointer(p.idNumber)).to.include({
          homeProvince: "320000",
          certificateStatus: "valid",
        });
        const before = await jsCase(caseId);

        const res = await js.agent
          .post(`/api/exchange/cases/${caseId}/answer`)
          .send({ outcome: "acknowledged" });
        expect(res.status, JSON.stringify(res.body)).to.equal(409);
        expect(res.body.error.code).to.equal("certificate_not_valid");
        expect(res.body.error.message).to.contain(label);

        const after = await jsCase(caseId);
        expect(after).to.deep.include({ state: before.state, ack: null });
        expect(after.history).to.have.length(before.history.length);
        expect(await jiangsu.ctx.conn.collection("exchange_outgoing").countDocuments({ caseId })).to.equal(0);
        expect(
          await jiangsu.ctx.conn
            .collection("audit_log")
            .countDocuments({ action: "exchange.transfer.acknowledged", "target.id": caseId }),
        ).to.equal(0);
      });
      // The hub still waits for an answer, the pointer stays with 江苏, and 江苏 can still say no.
      expect(await hubCase(caseId)).to.include({ ack: null });
      expect(await hubPointer(p.idNumber)).to.include({ homeProvince: "320000" });
      await js.agent
        .post(`/api/exchange/cases/${caseId}/answer`)
        .send({ outcome: "problem", problem: { code: "certificate_revoked", note: `本省证书已${label}` } })
        .expect(200);
      expect((await jsCase(caseId)).state).to.equal("problem");
    });
  }
});
