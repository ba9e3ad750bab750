import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import type { NodeClient, SignedAnswer } from "../../../server/sharing/index.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import {
  aCertifiedPractitioner,
  aFiling,
  agreeAndIssue,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * After about an hour of hub outage a message went `dead` and showed only inside its case. For an
 * issuance report (转籍换发) the receiving province already held its new certificate, so the former
 * home's was never superseded: two valid certificates until someone opened the case and pressed
 * 重新发送. Messages whose loss leaves the two provinces disagreeing (issued, end, answer) keep being
 * retried past the maximum attempts; the province level sees every stuck case of the node on the
 * escalation page.
 */
describe("cross-province exchange: messages the provinces must agree on are never given up", () => {
  const net = useExchangeNetwork();
  const bjProvince = anOfficer("110000", "北京市厅业务员");
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  const outgoing = (p: TestProvince, caseId: string, purpose: string) =>
    p.conn.collection("exchange_outgoing").findOne({ caseId, purpose });
  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });

  /** `p`'s client to a hub that answers every POST 503 (down behind its gateway); reads go through. */
  function aHubAnswering503(p: TestProvince) {
    const client: NodeClient = {
      ...p.client,
      call: (async (method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal) => {
        if (method !== "POST") return p.client.call(method, path, body, signal);
        const error = { code: "service_unavailable", message: "服务暂不可用" };
        const down: SignedAnswer = {
          status: 503,
          body: { error },
          error,
          rawBody: JSON.stringify({ error }),
          proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
        };
        return down;
      }) as NodeClient["call"],
    };
    const log = recordingLogger();
    const sender = createExchangeTransport({
      conn: p.conn,
      logger: log.logger,
      client: () => client,
      backoffMs: () => 0,
      maxAttempts: 3,
    });
    return { sender, log };
  }

  it("when the hub answers 503 for longer than the maximum attempts, then the issuance report keeps being retried, the case says so once, and it reaches the hub once the hub is back", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjProvince, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjProvince, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await agreeAndIssue(net, { jiangsu: jsProvince, beijing: bjProvince }, transfer.caseId, {
      idNumber: p.idNumber,
      serial: "BJ-2026-000777",
    });
    const down = aHubAnswering503(net.beijing);
    for (let i = 0; i < 6; i++) await down.sender.sendOnce();
    expect(await outgoing(net.beijing, transfer.caseId, "issued")).to.include({
      status: "pending",
      attempts: 6,
    });
    const notes = (await net.beijing.exchange.get(bjProvince, transfer.caseId)).history
      .map((h) => h.note ?? "")
      .filter((n) => n.includes("继续自动重发"));
    expect(notes).to.have.length(1);
    expect(notes[0]).to.match(
      /^.+已 3 次未能送达全国中心，本省节点将继续自动重发：全国中心暂未受理该消息 \(503/,
    );
    expect(down.log.warnings().map((w) => w.msg)).to.include(
      "exchange send still failing after the maximum attempts; retrying at the longest backoff",
    );
    expect(down.log.warnings().map((w) => w.msg)).to.not.include(
      "exchange send failed; given up after the maximum attempts",
    );

    await net.beijing.send();
    expect(await outgoing(net.beijing, transfer.caseId, "issued")).to.include({ status: "done" });
    expect((await hubCase(transfer.caseId))?.issued, "the hub took the issuance").to.be.an("object");
  });

  it("when the hub answers 503 past the maximum attempts for an answer and an ending, then neither goes dead, while a new case does", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, filed.caseId, { outcome: "acknowledged" });
    const jsDown = aHubAnswering503(net.jiangsu);
    for (let i = 0; i < 5; i++) await jsDown.sender.sendOnce();
    expect(await outgoing(net.jiangsu, filed.caseId, "answer")).to.include({
      status: "pending",
      attempts: 5,
    });

    await net.beijing.exchange.end(bjCounty, filed.caseId, { endDate: aFiling().startDate, reason: "离职" });
    const bjDown = aHubAnswering503(net.beijing);
    for (let i = 0; i < 5; i++) await bjDown.sender.sendOnce();
    expect(await outgoing(net.beijing, filed.caseId, "end")).to.include({ status: "pending", attempts: 5 });
    // Back, both arrive.
    await net.jiangsu.send();
    await net.beijing.send();
    expect(await hubCase(filed.caseId)).to.include({ state: "ended" });

    // A new case the hub never took is still given up: nobody else holds anything of it yet.
    const q = await aCertifiedPractitioner(net.jiangsu);
    const foundQ = await net.beijing.lookup(bjCounty, q.idNumber);
    net.beijing.link.down = true;
    const queued = await net.beijing.exchange.file(bjCounty, {
      lookupId: foundQ.lookupId,
      practitioner: q,
      details: aFiling(),
    });
    net.beijing.link.down = false;
    for (let i = 0; i < 5; i++) await bjDown.sender.sendOnce();
    expect(await outgoing(net.beijing, queued.caseId, "submit")).to.include({ status: "dead" });
  });

  it("when messages have waited longer than half an hour or were given up, then the province level's escalation page lists their cases, whatever office sent them", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.beijing.exchange.end(bjCounty, filed.caseId, { endDate: aFiling().startDate, reason: "离职" });
    const bjDown = aHubAnswering503(net.beijing);
    await bjDown.sender.sendOnce();
    const listed = async () =>
      (await net.beijing.exchange.escalations(bjProvince)).undelivered.cases.map((c) => c.caseId);
    // Failing for a minute is an outage like any other, not yet one to follow up.
    expect(await listed()).to.not.include(filed.caseId);
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne(
        { caseId: filed.caseId, purpose: "end" },
        { $set: { createdAt: new Date(Date.now() - 31 * 60_000) } },
      );
    expect(await listed()).to.include(filed.caseId);
    const page = await net.beijing.exchange.escalations(bjProvince);
    expect(page.undelivered.total).to.be.at.least(1);
    expect(page.undelivered.cases.find((c) => c.caseId === filed.caseId)).to.include({
      box: "out",
      state: "ended",
    });
    // Delivered, it leaves the list.
    await net.beijing.send();
    expect(await listed()).to.not.include(filed.caseId);

    // Given up (a new case the hub never took) counts at once.
    const q = await aCertifiedPractitioner(net.jiangsu);
    const foundQ = await net.beijing.lookup(bjCounty, q.idNumber);
    net.beijing.link.down = true;
    const queued = await net.beijing.exchange.file(bjCounty, {
      lookupId: foundQ.lookupId,
      practitioner: q,
      details: aFiling(),
    });
    net.beijing.link.down = false;
    for (let i = 0; i < 5; i++) await bjDown.sender.sendOnce();
    expect(await listed()).to.include(queued.caseId);
  });
});
