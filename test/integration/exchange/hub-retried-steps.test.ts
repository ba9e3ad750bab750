import { expect } from "chai";
import type { Model } from "mongoose";
import type { SignedAnswer } from "../../../server/sharing/index.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";
import { withStaleRead } from "./stale-reads.js";

/**
 * A province's step on a case (answer, issuance, the home's word that its certificate ended, an
 * ending) retried because its first attempt was slow: the first attempt commits after the retry
 * read the case. The retry is the same step, so it gets the case's receipt; refused, the province
 * took its step back for good while the hub held it.
 */
describe("cross-province exchange: a step retried while its first attempt was still committing", () => {
  const net = useExchangeNetwork();
  const chaoyang = anOfficer("110105", "朝阳区业务员");
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const hub = () => net.hub.node.ctx.conn;
  const officerOf = (o: typeof chaoyang) => ({ id: o.id, name: o.displayName, divisionCode: o.divisionCode });
  type Answer = SignedAnswer<{ state?: string; caseId?: string }>;
  const post = (from: TestProvince, caseId: string, step: string, body: unknown): Promise<Answer> =>
    from.client.call("POST", `/api/hub/v1/exchange/cases/${caseId}/${step}`, body);

  /**
   * Posts `body` twice: the retry reads the case first, then the first attempt runs to its end,
   * then the retry goes on with what it read. Resolves with both answers.
   */
  async function retriedWhileFirstCommits(from: TestProvince, caseId: string, step: string, body: unknown) {
    const Cases = hub().models.ExchangeHubCase as Model<unknown>;
    let first: Answer | null = null;
    const { result: retry, staled } = await withStaleRead(
      Cases,
      "findOne",
      (filter) => filter.caseId === caseId,
      async () => (first = await post(from, caseId, step, body)),
      () => post(from, caseId, step, body),
    );
    expect(staled).to.equal(true);
    return { first: first as Answer | null, retry };
  }

  const heldState = (caseId: string, to: string, filter: Record<string, unknown> = {}) =>
    hub()
      .collection("exchange_inbox")
      .countDocuments({ caseId, to, type: "state", ...filter });

  async function aDeliveredFiling() {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    const filed = await net.beijing.exchange.file(chaoyang, {
      lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.jiangsu.pull();
    return { caseId: filed.caseId, idNumber: p.idNumber };
  }

  /** A transfer of a 江苏 practitioner asked by 北京 and agreed by 江苏 at the hub. */
  async function anAgreedTransfer() {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "钱转籍" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const { caseId } = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    const agreed = await post(net.jiangsu, caseId, "answer", {
      outcome: "acknowledged",
      officer: officerOf(jsOfficer),
    });
    expect(agreed.status, agreed.rawBody).to.equal(200);
    return { caseId, idNumber: p.idNumber };
  }

  const issuedOf = (idNumber: string) => ({
    certificateNo: idNumber,
    version: 1,
    serial: "BJ-2026-000901",
    issuedAt: new Date().toISOString(),
    issuingAuthority: { divisionCode: "110000", name: "北京市交通委员会" },
    officer: officerOf(bjOfficer),
  });

  it("when 江苏's answer is retried and the first attempt commits after the retry read the case, then the retry gets the case's receipt, not already_answered, and 北京 is told once", async () => {
    const { caseId } = await aDeliveredFiling();
    const ack = { outcome: "acknowledged", officer: officerOf(jsOfficer) };
    const { first, retry } = await retriedWhileFirstCommits(net.jiangsu, caseId, "answer", ack);
    expect(first?.status, first?.rawBody).to.equal(200);
    expect(retry.status, retry.rawBody).to.equal(200);
    expect(retry.body).to.include({ caseId, state: "acknowledged" });
    expect(await heldState(caseId, "110000", { "message.state": "acknowledged" })).to.equal(1);
  });

  it("when a different answer comes while the first commits, then it is still refused already_answered", async () => {
    const { caseId } = await aDeliveredFiling();
    const Cases = hub().models.ExchangeHubCase as Model<unknown>;
    const { result: other } = await withStaleRead(
      Cases,
      "findOne",
      (filter) => filter.caseId === caseId,
      () => post(net.jiangsu, caseId, "answer", { outcome: "acknowledged", officer: officerOf(jsOfficer) }),
      () =>
        post(net.jiangsu, caseId, "answer", {
          outcome: "problem",
          problem: { code: "identity_mismatch", note: "身份信息与本省记录不符" },
          officer: officerOf(jsOfficer),
        }),
    );
    expect(other.status, other.rawBody).to.equal(409);
    expect(other.error?.code).to.equal("already_answered");
  });

  it("when 北京's ending of a filing is retried and the first attempt commits after the retry read the case, then the retry gets the ended case's receipt, not case_ended", async () => {
    const { caseId } = await aDeliveredFiling();
    const end = { endDate: "2026-12-05", reason: "离职", officer: officerOf(chaoyang) };
    const { first, retry } = await retriedWhileFirstCommits(net.beijing, caseId, "end", end);
    expect(first?.status, first?.rawBody).to.equal(200);
    expect(retry.status, retry.rawBody).to.equal(200);
    expect(retry.body).to.include({ caseId, state: "ended" });
    expect(await heldState(caseId, "320000", { "message.state": "ended" })).to.equal(1);
  });

  it("when 北京's issuance on a transfer is retried and the first attempt commits after the retry read the case, then the retry gets the case's receipt, not already_issued", async () => {
    const { caseId, idNumber } = await anAgreedTransfer();
    const { first, retry } = await retriedWhileFirstCommits(
      net.beijing,
      caseId,
      "issued",
      issuedOf(idNumber),
    );
    expect(first?.status, first?.rawBody).to.equal(200);
    expect(retry.status, retry.rawBody).to.equal(200);
    expect(retry.body).to.include({ caseId, state: "acknowledged" });
    expect(await heldState(caseId, "320000", { "message.issued": { $ne: null } })).to.equal(1);
  });

  it("when 江苏's word that its certificate had ended is retried and the first attempt commits after the retry read the case, then the retry gets the case's receipt, not source_ended_reported", async () => {
    const { caseId, idNumber } = await anAgreedTransfer();
    const issued = await post(net.beijing, caseId, "issued", issuedOf(idNumber));
    expect(issued.status, issued.rawBody).to.equal(200);
    const ended = {
      certificateNo: idNumber,
      version: 1,
      status: "revoked",
      statusChangedAt: new Date(Date.now() - 60_000).toISOString(),
      reason: "以欺骗手段取得从业资格",
    };
    const { first, retry } = await retriedWhileFirstCommits(net.jiangsu, caseId, "source-ended", ended);
    expect(first?.status, first?.rawBody).to.equal(200);
    expect(retry.status, retry.rawBody).to.equal(200);
    expect(await heldState(caseId, "110000", { "message.sourceEnded": { $ne: null } })).to.equal(1);
  });
});
