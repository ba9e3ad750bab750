import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { anOutboxEvent, aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";
import { aCertificateHolder, certificateAt, useTwoProvinces } from "../exchange/transfers.js";
import { aPass, publishResultsOf, type TestNode } from "./support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** The issuance a pass opened on `node`. */
const issuanceOf = (node: Pick<TestNode, "ctx">, pass: DomainEvents["exam.passed"]) =>
  node.ctx.conn.collection("certificate_issuances").findOne({ attemptId: pass.attemptId });

/** The pending passes `officer` lists, as the issuances page reads them. */
async function pendingListed(officer: AuthedAgent) {
  return (await officer.agent.get("/api/certificate-issuances?status=pending").expect(200)).body as {
    issuances: { id: string; attemptId: string; reason: string | null }[];
  };
}

/** The node's audit entries of hub lookups of `idNumber`, oldest first. */
const lookupEntries = (node: Pick<TestNode, "ctx">, idNumber: string) =>
  node.ctx.conn
    .collection<{ action: string; actor: { id: string; kind: string }; details: Record<string, unknown> }>(
      "audit_log",
    )
    .find({
      action: { $in: ["hub.lookup", "hub.lookup_answered", "hub.lookup_refused"] },
      "target.id": idNumber,
    })
    .sort({ seq: 1 })
    .toArray();

/**
 * A certificate nobody else can verify: a province issuing a first certificate to a practitioner
 * the hub's pointer index homes in another province (主管省份) issued it locally, and the hub then
 * refused its record (not_home_province) and it sat parked. Before a first issue the node asks the
 * hub (a catalog lookup, logged at both ends) and refuses when another province is home.
 */
describe("a first issue for a practitioner the hub homes in another province", function () {
  this.timeout(120_000);
  const net = useTwoProvinces();

  /** `p` passes `categoryCode` in 北京 (session published), delivered to 北京's own feature (automatic issue). */
  async function passesInBeijing(
    p: { idNumber?: string; name?: string } = {},
    categoryCode = "01001",
  ): Promise<DomainEvents["exam.passed"]> {
    const pass = await aPass(net.beijing, categoryCode, { candidate: { ...p, divisionCode: "110100" } });
    await net.beijing.ctx.events.publish("exam.passed", pass);
    return pass;
  }

  const hubCertificateRecordsOf = (provinceCode: string, idNumber: string) =>
    net.hub.node.ctx.conn
      .collection("hub_records")
      .countDocuments({ sourceProvince: provinceCode, idNumber, recordType: "certificate" });

  it("when a holder of 江苏's certificate passes a first exam in 北京, then 北京 issues nothing, the pass stays pending with the reason, the officer's issue is refused holder_home_elsewhere naming 江苏, and nothing of it is sent to the hub", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const pass = await passesInBeijing(p);

    // The automatic issue was refused: the officer's list says why the pass waits.
    expect(await issuanceOf(net.beijing, pass)).to.include({ status: "pending" });
    const row = (await pendingListed(net.bj)).issuances.find((i) => i.attemptId === pass.attemptId);
    expect(row?.reason)
      .to.match(/江苏省/)
      .and.match(/转籍/);

    const tried = await net.bj.agent.post(`/api/certificate-issuances/${row?.id}/issue`);
    expect(tried.status, JSON.stringify(tried.body)).to.equal(409);
    const error = (tried.body as { error: { code: string; message: string; details?: unknown } }).error;
    expect(error.code).to.equal("holder_home_elsewhere");
    expect(error.details).to.deep.equal({ homeProvince: "320000" });
    expect(error.message)
      .to.match(/江苏省/)
      .and.match(/跨省交换/)
      .and.match(/转籍/)
      .and.match(/异地从业备案/)
      .and.match(/保留待发/);
    expect(await issuanceOf(net.beijing, pass)).to.include({ status: "pending", reason: error.message });

    // Nothing issued in 北京, so nothing queued for the hub, which still homes the holder in 江苏.
    expect(await certificateAt(net.beijing, p.idNumber)).to.equal(null);
    expect(await outboxModel(net.beijing.ctx.conn).countDocuments({ key: new RegExp(p.idNumber) })).to.equal(
      0,
    );
    expect(
      await net.beijing.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "certificate.issued", "target.id": p.idNumber }),
    ).to.equal(0);
    expect(await hubCertificateRecordsOf("110000", p.idNumber)).to.equal(0);
    expect(
      await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: p.idNumber }),
    ).to.include({ homeProvince: "320000", certificateStatus: "valid" });

    // Each check was a lookup like any other: logged here (the automatic issue's by the system, the
    // officer's by the officer) and at the hub, with its purpose and the pass it was made for.
    const entries = await lookupEntries(net.beijing, p.idNumber);
    expect(entries.map((e) => `${e.action}:${e.actor.kind}`)).to.deep.equal([
      "hub.lookup:system",
      "hub.lookup_answered:system",
      "hub.lookup:staff",
      "hub.lookup_answered:staff",
    ]);
    for (const e of entries) {
      expect(e.details).to.include({ by: "id_number", reason: "holder_request" });
      expect(String(e.details.caseReference)).to.contain(String(row?.id));
    }
    const atHub = await net.hub.node.ctx.conn
      .collection("hub_lookups")
      .find({ requestingProvince: "110000", "matches.idNumber": p.idNumber })
      .toArray();
    expect(atHub).to.have.length(2);
    expect(atHub.map((l) => l.reason)).to.deep.equal(["holder_request", "holder_request"]);
  });

  it("when a practitioner the hub does not know passes a first exam in 北京, then 北京 issues as before and the hub takes the certificate", async () => {
    const pass = await passesInBeijing();
    expect(await issuanceOf(net.beijing, pass)).to.include({ status: "issued" });
    const answered = (await lookupEntries(net.beijing, pass.idNumber)).filter(
      (e) => e.action === "hub.lookup_answered",
    );
    expect(answered.map((e) => e.details.matches)).to.deep.equal([0]);
    await eventually(async () => (await hubCertificateRecordsOf("110000", pass.idNumber)) === 1);
    expect(
      await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: pass.idNumber }),
    ).to.include({ homeProvince: "110000", certificateStatus: "valid" });
  });

  it("when the hub already homes the practitioner in 北京 (its exam pass reached the hub first), then 北京's officer issues the first certificate", async () => {
    const pass = await aPass(net.beijing, "01001", {
      published: false,
      candidate: { divisionCode: "110100" },
    });
    await anOutboxEvent(net.beijing.ctx.conn, "exam.passed", pass, `exam.passed:${pass.attemptId}`);
    await eventually(
      async () =>
        (await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: pass.idNumber }))
          ?.homeProvince === "110000",
    );
    const pending = await eventually(() => issuanceOf(net.beijing, pass));
    await publishResultsOf(net.beijing, pass.sessionId);

    const issued = await net.bj.agent.post(`/api/certificate-issuances/${String(pending._id)}/issue`);
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const answered = (await lookupEntries(net.beijing, pass.idNumber)).filter(
      (e) => e.action === "hub.lookup_answered",
    );
    expect(answered.map((e) => e.details.matches)).to.deep.equal([1]);
    await eventually(async () => (await hubCertificateRecordsOf("110000", pass.idNumber)) === 1);
  });
});

describe("a first issue while the hub cannot be reached", function () {
  this.timeout(120_000);
  let hub: TestHub;
  let beijing: Node;
  let bj: AuthedAgent;

  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
    beijing = await aProvinceOfHub(hub, "110000", { CERT_AUTO_ISSUE: "true" });
    bj = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    // The hub goes down once the node knows it lists its key: what stops issuing now is the outage.
    await hub.node.stop();
  });
  after(async () => {
    await beijing?.stop();
  });

  it("when the hub cannot say whose the practitioner is, then no first certificate is issued blind: refused holder_home_unknown, the pass kept pending with the reason to retry, and the failed lookup logged", async () => {
    const pass = await aPass(beijing, "01001", { candidate: { divisionCode: "110100" } });
    await beijing.ctx.events.publish("exam.passed", pass);
    expect(await issuanceOf(beijing, pass)).to.include({ status: "pending" });
    const row = (await pendingListed(bj)).issuances.find((i) => i.attemptId === pass.attemptId);
    expect(row?.reason)
      .to.match(/全国中心/)
      .and.match(/稍后/);

    const tried = await bj.agent.post(`/api/certificate-issuances/${row?.id}/issue`);
    expect(tried.status, JSON.stringify(tried.body)).to.equal(409);
    const error = (tried.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("holder_home_unknown");
    expect(error.message)
      .to.match(/全国中心/)
      .and.match(/保留待发/)
      .and.match(/稍后/);
    expect(await issuanceOf(beijing, pass)).to.include({ status: "pending", reason: error.message });
    expect(await certificateAt(beijing, pass.idNumber)).to.equal(null);
    expect(await outboxModel(beijing.ctx.conn).countDocuments({ key: new RegExp(pass.idNumber) })).to.equal(
      0,
    );

    // The officer's issue asked the hub (the automatic one may not have: see the next test), and
    // the failed lookup is on record with the hub's code.
    const entries = await lookupEntries(beijing, pass.idNumber);
    expect(entries.slice(-2).map((e) => e.action)).to.deep.equal(["hub.lookup", "hub.lookup_refused"]);
    expect(entries.at(-1)?.details).to.include({ code: "hub_unreachable", reason: "holder_request" });
    expect(entries.at(-1)?.actor).to.include({ kind: "staff" });
  });

  it("when automatic issue meets the hub down, then the passes after it are refused at once without asking the hub again, and an officer's issue still asks", async () => {
    const passDelivered = async () => {
      const pass = await aPass(beijing, "01001", { candidate: { divisionCode: "110100" } });
      await beijing.ctx.events.publish("exam.passed", pass);
      return pass;
    };
    await passDelivered();
    const second = await passDelivered();
    expect(await issuanceOf(beijing, second)).to.include({ status: "pending" });
    expect((await issuanceOf(beijing, second))?.reason).to.match(/全国中心/);
    expect(await lookupEntries(beijing, second.idNumber)).to.have.length(0);

    const row = await issuanceOf(beijing, second);
    const tried = await bj.agent.post(`/api/certificate-issuances/${String(row?._id)}/issue`);
    expect((tried.body as { error: { code: string } }).error.code).to.equal("holder_home_unknown");
    expect((await lookupEntries(beijing, second.idNumber)).map((e) => e.action)).to.deep.equal([
      "hub.lookup",
      "hub.lookup_refused",
    ]);
  });
});
