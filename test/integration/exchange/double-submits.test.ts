import { expect } from "chai";
import type { Model } from "mongoose";
import type { Response } from "supertest";
import { createAuditService } from "../../../server/audit/index.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { LookupAnswer } from "../../../server/contracts/hub.js";
import { createProvinceExchangeService } from "../../../server/exchange/index.js";
import type { AuthedAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import type { aProvinceOfHub, TestHub } from "../hub/support.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";
import { aCertificateHolder, aTransferAskedOf, useTwoProvinces } from "./transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * An officer's answer or ending sent twice at once (a double click the page did not absorb, a
 * second tab, a retried request): the server gives one action whatever the client does — one
 * change of the case, one audit entry, one message to the hub — and refuses the other with the
 * same code and Chinese words a later second press gets, not a message blaming someone else.
 */
describe("cross-province exchange: one answer or ending posted twice at once, hub and two province nodes", function () {
  this.timeout(120_000);
  let hub: TestHub, jiangsu: Node, beijing: Node, js: AuthedAgent, bj: AuthedAgent;
  useTwoProvinces((net) => ({ hub, jiangsu, beijing, js, bj } = net));

  const twice = (send: () => Promise<Response>) => Promise.all([send(), send()]);
  /** The winner's status first; the loser's refusal as the officer's page shows it. */
  const sorted = (answers: Response[]) => {
    const [won, lost] = [...answers].sort((a, b) => a.status - b.status);
    return {
      won: won?.status,
      lost: {
        status: lost?.status,
        ...((lost?.body as { error?: { code: string; message: string } }).error ?? {}),
      },
    };
  };
  const audits = (node: Node, caseId: string, action: string) =>
    node.ctx.conn.collection("audit_log").countDocuments({ "target.id": caseId, action });
  const queued = (node: Node, caseId: string, purpose: string) =>
    node.ctx.conn.collection("exchange_outgoing").countDocuments({ caseId, purpose });
  /** The signed messages the hub took for the case's `step` (its message log: one line per request). */
  const hubMessages = (caseId: string, step: string) =>
    hub.node.ctx.conn
      .collection("message_log")
      .countDocuments({
        direction: "in",
        method: "POST",
        target: `/api/hub/v1/exchange/cases/${caseId}/${step}`,
      });
  const hubCase = (caseId: string) => hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });

  /** 北京's officer looks the holder up (reason filing) and files them; resolves once 江苏 holds it. */
  async function aFilingReceived(p: { idNumber: string; name: string }): Promise<string> {
    const found = await bj.agent
      .post("/api/sharing/lookups")
      .send({
        query: { by: "id_number", idNumber: p.idNumber },
        reason: "filing",
        caseReference: "京备 2026-9",
      })
      .expect(200);
    const sent = await bj.agent
      .post("/api/exchange/filings")
      .send({ lookupId: (found.body as LookupAnswer).lookupId, practitioner: p, details: aFiling() });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    const caseId = (sent.body as CaseDto).caseId;
    await eventually(async () => (await js.agent.get(`/api/exchange/cases/${caseId}`)).status === 200);
    return caseId;
  }

  it("when 江苏's officer posts the agreement to 北京's transfer twice at once, then one is taken: one audit entry, one message to the hub, and the other refused already_answered in Chinese", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await aTransferAskedOf(js, bj, p);
    const answers = await twice(() =>
      js.agent.post(`/api/exchange/cases/${caseId}/answer`).send({ outcome: "acknowledged" }),
    );
    expect(sorted(answers)).to.deep.equal({
      won: 200,
      lost: { status: 409, code: "already_answered", message: "该事项已经答复或已终止" },
    });
    expect(await audits(jiangsu, caseId, "exchange.transfer.acknowledged")).to.equal(1);
    expect(await queued(jiangsu, caseId, "answer")).to.equal(1);
    await eventually(async () => (await hubCase(caseId))?.state === "acknowledged");
    expect(await hubMessages(caseId, "answer")).to.equal(1);
    const history = ((await js.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto)
      .history;
    expect(history.filter((h) => h.state === "acknowledged")).to.have.length(1);
  });

  it("when 北京's officer posts the withdrawal of a transfer twice at once, then one is taken: one audit entry, one message to the hub, and the other refused case_ended in Chinese", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await aTransferAskedOf(js, bj, p);
    const body = { endDate: "2026-12-05", reason: "申请人撤回转籍申请" };
    const answers = await twice(() => bj.agent.post(`/api/exchange/cases/${caseId}/end`).send(body));
    expect(sorted(answers), JSON.stringify(answers.map((a) => [a.status, a.body]))).to.deep.equal({
      won: 200,
      lost: { status: 409, code: "case_ended", message: "该事项已终止或未被受理" },
    });
    expect(await audits(beijing, caseId, "exchange.transfer.ended")).to.equal(1);
    expect(await queued(beijing, caseId, "end")).to.equal(1);
    await eventually(async () => (await hubCase(caseId))?.state === "ended");
    expect(await hubMessages(caseId, "end")).to.equal(1);
  });

  it("when a filing's answer and then its ending are each posted twice at once, then each is taken once, with one audit entry and one message to the hub", async () => {
    const p = await aCertificateHolder(hub, jiangsu);
    const caseId = await aFilingReceived(p);
    const answered = await twice(() =>
      js.agent
        .post(`/api/exchange/cases/${caseId}/answer`)
        .send({ outcome: "problem", problem: { code: "identity_mismatch", note: "照片与本人不符" } }),
    );
    expect(sorted(answered).lost).to.deep.equal({
      status: 409,
      code: "already_answered",
      message: "该事项已经答复或已终止",
    });
    expect(await audits(jiangsu, caseId, "exchange.filing.problem")).to.equal(1);
    await eventually(async () => (await hubCase(caseId))?.state === "problem");

    const ended = await twice(() =>
      bj.agent
        .post(`/api/exchange/cases/${caseId}/end`)
        .send({ endDate: "2026-12-05", reason: "与用人单位解除劳动合同" }),
    );
    expect(sorted(ended).lost).to.deep.equal({
      status: 409,
      code: "case_ended",
      message: "该事项已终止或未被受理",
    });
    expect(await audits(beijing, caseId, "exchange.filing.ended")).to.equal(1);
    await eventually(async () => (await hubCase(caseId))?.state === "ended");
    expect([await hubMessages(caseId, "answer"), await hubMessages(caseId, "end")]).to.deep.equal([1, 1]);
  });
});

/**
 * The same on two instances of one node (same database, each its own audit queue, so the two
 * transactions really run at once and one meets the other's write); and one press whose case
 * changes for another reason between its read and its write.
 */
describe("cross-province exchange: one answer or ending on two instances of a node at once, or meeting a pulled message", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const secondInstance = (p: TestProvince) =>
    createProvinceExchangeService(p.conn, {
      provinceCode: p.provinceCode,
      audit: createAuditService(p.conn),
      transport: p.transport,
    });
  const outcome = (work: Promise<{ state: string }>) =>
    work.then(
      (c) => ({
        state: c.state as string | null,
        code: null as string | null,
        message: null as string | null,
      }),
      (e: { code?: string; message?: string }) => ({
        state: null,
        code: e.code ?? `unexpected: ${e.message}`,
        message: e.message ?? null,
      }),
    );
  const audits = (p: TestProvince, caseId: string, action: string) =>
    p.conn.collection("audit_log").countDocuments({ "target.id": caseId, action });

  async function aFiledCase(): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "王双击" });
    const { lookupId } = await net.beijing.lookup(bjOfficer, p.idNumber);
    const filed = await net.beijing.exchange.file(bjOfficer, {
      lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.jiangsu.pull();
    return filed.caseId;
  }

  it("when two instances of 江苏's node take the same officer's answer at once, then one answers and the other is refused already_answered, with one audit entry and one queued message", async () => {
    const caseId = await aFiledCase();
    const results = await Promise.all([
      outcome(net.jiangsu.exchange.answer(jsOfficer, caseId, { outcome: "acknowledged" })),
      outcome(secondInstance(net.jiangsu).answer(jsOfficer, caseId, { outcome: "acknowledged" })),
    ]);
    expect(results.map((r) => r.code ?? r.state).sort()).to.deep.equal(["acknowledged", "already_answered"]);
    expect(results.find((r) => r.code)?.message).to.equal("该事项已经答复或已终止");
    expect(await audits(net.jiangsu, caseId, "exchange.filing.acknowledged")).to.equal(1);
    expect(
      await net.jiangsu.conn.collection("exchange_outgoing").countDocuments({ caseId, purpose: "answer" }),
    ).to.equal(1);
  });

  it("when two instances of 北京's node take the same ending at once, then one ends the filing and the other is refused case_ended, with one audit entry and one queued message", async () => {
    const caseId = await aFiledCase();
    const input = { endDate: "2026-12-05", reason: "与用人单位解除劳动合同" };
    const results = await Promise.all([
      outcome(net.beijing.exchange.end(bjOfficer, caseId, input)),
      outcome(secondInstance(net.beijing).end(bjOfficer, caseId, input)),
    ]);
    expect(results.map((r) => r.code ?? r.state).sort()).to.deep.equal(["case_ended", "ended"]);
    expect(results.find((r) => r.code)?.message).to.equal("该事项已终止或未被受理");
    expect(await audits(net.beijing, caseId, "exchange.filing.ended")).to.equal(1);
    expect(
      await net.beijing.conn.collection("exchange_outgoing").countDocuments({ caseId, purpose: "end" }),
    ).to.equal(1);
  });

  it("when 江苏's delivery of 北京's transfer is pulled between the officer's read and the write of a withdrawal, then the withdrawal still goes through, once", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈送达" });
    const { lookupId } = await net.beijing.lookup(bjOfficer, p.idNumber);
    const sent = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    expect(sent.state).to.equal("sent");
    await net.beijing.pull(); // what earlier tests left for 北京, so the pull below brings the delivery alone
    await net.jiangsu.pull(); // the hub now holds "delivered" for 北京
    expect((await net.beijing.exchange.get(bjOfficer, sent.caseId)).state).to.equal("sent");
    // The withdrawal numbers its message after reading the case: 北京 pulls the delivery right then.
    const Counters = net.beijing.conn.models.ExchangeCounter as Model<unknown>;
    const findOneAndUpdate = Counters.findOneAndUpdate.bind(Counters);
    let pulled = 0;
    Counters.findOneAndUpdate = ((...args: Parameters<typeof findOneAndUpdate>) => {
      const query = findOneAndUpdate(...args);
      const exec = query.exec.bind(query);
      query.exec = async () => {
        if (pulled === 0) pulled = await net.beijing.pull();
        return exec();
      };
      return query;
    }) as typeof Counters.findOneAndUpdate;
    try {
      const ended = await outcome(
        net.beijing.exchange.end(bjOfficer, sent.caseId, {
          endDate: "2026-12-05",
          reason: "申请人撤回转籍申请",
        }),
      );
      expect(pulled).to.equal(1);
      expect(ended).to.deep.equal({ state: "ended", code: null, message: null });
    } finally {
      Counters.findOneAndUpdate = findOneAndUpdate;
    }
    const c = await net.beijing.exchange.get(bjOfficer, sent.caseId);
    expect(c.history.map((h) => h.state)).to.deep.equal(["queued", "sent", "delivered", "ended"]);
    expect(await audits(net.beijing, sent.caseId, "exchange.transfer.ended")).to.equal(1);
  });
});
