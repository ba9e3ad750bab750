import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { ErrorBody } from "../../../server/contracts/errors.js";
import type { RunningNode } from "../../../server/main.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/**
 * Free text of the exchange that the other province's officers read (a notice's facts, a
 * transfer's reason, an answer's note, an ending's reason, codes typed by hand): a zero-width
 * space or a bidirectional control pasted with it shows them other characters, or the same ones
 * in another order. Our officers' forms refuse it naming the field, and so does the hub, for every
 * province (the interface is ours, its schemas published): no such text enters the network.
 */
describe("cross-province exchange: invisible characters in free text", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");
  const officer = { id: bjCity.id, name: bjCity.displayName, divisionCode: bjCity.divisionCode };
  const hubCases = (caseId: string) =>
    net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ caseId });
  const refusal = (body: unknown) => (body as { error: ErrorBody }).error;

  describe("at the hub, from any province's node", () => {
    it("when a notice's facts carry a bidirectional control, then the hub refuses it naming the field and holds nothing", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const caseId = randomUUID();
      const details = { ...aNotice(), facts: "驾驶营运车辆\u202e时超驾驶" };
      const answer = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "notice",
        practitioner: p,
        officer,
        details,
      });
      expect(answer.status).to.equal(400);
      expect(answer.error?.code).to.equal("validation_failed");
      expect(answer.error?.message).to.include("违法事实").and.include("不可见字符");
      expect(await hubCases(caseId)).to.equal(0);
    });

    it("when a transfer's reason carries a zero-width space, then the hub refuses it naming the field and holds nothing", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const found = await net.beijing.lookup(bjCity, p.idNumber);
      const caseId = randomUUID();
      const answer = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "transfer",
        lookupId: found.lookupId,
        practitioner: p,
        officer,
        details: { reason: "户籍迁入\u200b北京市" },
      });
      expect(answer.status).to.equal(400);
      expect(answer.error?.message).to.include("转籍原因").and.include("不可见字符");
      expect(await hubCases(caseId)).to.equal(0);
    });

    it("when a notice's facts span several lines, then the hub takes it (line breaks are what a text area types)", async () => {
      const p = await aCertifiedPractitioner(net.jiangsu);
      const caseId = randomUUID();
      const details = {
        ...aNotice(),
        facts: "一、驾驶营运车辆超时驾驶；\r\n二、未按规定休息。\n\t（见笔录）",
      };
      const answer = await net.beijing.client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "notice",
        practitioner: p,
        officer,
        details,
      });
      expect(answer.status, answer.rawBody).to.equal(200);
      expect(await hubCases(caseId)).to.equal(1);
    });
  });

  describe("on our officers' forms", () => {
    let node: RunningNode;
    let bj: AuthedAgent;
    before(async () => {
      node = await startTestNode({ provinceCode: "110000" });
      bj = await staffAgent(node, { roles: ["officer"], divisionCode: "110100" });
    });
    after(async () => {
      await node.stop();
    });
    const localCases = () => node.ctx.conn.collection("exchange_local_cases").countDocuments();
    const practitioner = { idNumber: "320102198503150019", name: "王备案" };

    it("when an officer's notice has facts with a zero-width joiner, then it is refused naming the field before anything is queued", async () => {
      const res = await bj.agent
        .post("/api/exchange/notices")
        .send({ practitioner, details: { ...aNotice(), facts: "超时驾驶\u200d连续4小时" } });
      expect(res.status).to.equal(400);
      const error = refusal(res.body);
      expect(error.code).to.equal("validation_failed");
      expect(error.message).to.include("违法事实").and.include("不可见字符");
      expect((error.details as { path: string }[]).map((d) => d.path)).to.deep.equal(["details.facts"]);
      expect(await localCases()).to.equal(0);
    });

    it("when an officer's transfer reason or ending reason carries a bidirectional control, then each is refused naming the field", async () => {
      const transfer = await bj.agent
        .post("/api/exchange/transfers")
        .send({ lookupId: randomUUID(), practitioner, details: { reason: "户籍\u2066迁入北京市" } });
      expect(transfer.status).to.equal(400);
      expect(refusal(transfer.body).message).to.include("转籍原因").and.include("不可见字符");
      const ending = await bj.agent
        .post(`/api/exchange/cases/${randomUUID()}/end`)
        .send({ endDate: "2026-12-31", reason: "离职\u202e" });
      expect(ending.status).to.equal(400);
      expect(refusal(ending.body).message).to.include("终止原因");
      const answer = await bj.agent
        .post(`/api/exchange/cases/${randomUUID()}/answer`)
        .send({ outcome: "problem", problem: { code: "other", note: "身份\u200b不符" } });
      expect(answer.status).to.equal(400);
      expect(refusal(answer.body).message).to.include("说明");
      expect(await localCases()).to.equal(0);
    });
  });
});
