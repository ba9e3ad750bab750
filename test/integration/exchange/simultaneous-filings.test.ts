import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createProvinceExchangeService } from "../../../server/exchange/index.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * One open filing per practitioner per filing division is the province's own rule, not only the
 * hub's: two officers (or two instances of the node) filing one person at once must not both
 * queue, whether or not the hub can be reached to refuse the second.
 */
describe("cross-province exchange: one person filed twice at once by one division", () => {
  const net = useExchangeNetwork();
  const chaoyang = anOfficer("110105", "朝阳区业务员");

  /** A second instance of 北京's node: same database and hub link, its own audit queue. */
  const secondInstance = (p: TestProvince) =>
    createProvinceExchangeService(p.conn, {
      provinceCode: p.provinceCode,
      audit: createAuditService(p.conn),
      transport: p.transport,
    });

  const settled = (works: Promise<{ state: string }>[]) =>
    Promise.all(
      works.map((w) =>
        w.then(
          (c) => ({ state: c.state, code: null as string | null }),
          (e: { code?: string; message?: string }) => ({
            state: null,
            code: e.code ?? `unexpected: ${e.message ?? "no message"}`,
            message: e.message,
          }),
        ),
      ),
    );

  /** 朝阳 files `practitioner` after the lookup `lookupId`; the case's state. */
  const fileState = async (
    lookupId: string,
    practitioner: Awaited<ReturnType<typeof aCertifiedPractitioner>>,
  ) => (await net.beijing.exchange.file(chaoyang, { lookupId, practitioner, details: aFiling() })).state;

  it("when two instances file one person in one division at once while the hub is unreachable, then the province itself refuses one as already_filed and queues only the other", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    net.beijing.link.down = true;
    try {
      const input = { lookupId, practitioner: p, details: aFiling() };
      const results = await settled([
        net.beijing.exchange.file(chaoyang, input),
        secondInstance(net.beijing).file(chaoyang, input),
      ]);
      expect(results.map((r) => r.code).sort()).to.deep.equal(["already_filed", null]);
      expect(results.find((r) => r.code)).to.deep.include({
        message: "该从业人员已在本辖区备案，请先终止原备案",
      });
      expect(
        await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
      ).to.equal(1);
      expect(
        await net.beijing.conn
          .collection("exchange_outgoing")
          .countDocuments({ "body.practitioner.idNumber": p.idNumber }),
      ).to.equal(1);
    } finally {
      net.beijing.link.down = false;
    }
    await net.beijing.send();
    expect(
      await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber }),
    ).to.equal(1);
  });

  it("when two filings of one person by one division are made at once with the hub up, then the second is refused by the province before anything reaches the hub", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    const input = { lookupId, practitioner: p, details: aFiling() };
    const hubRefusals = () =>
      net.beijing.conn.collection("audit_log").countDocuments({ action: "exchange.filing.refused" });
    const before = await hubRefusals();
    const results = await settled([
      net.beijing.exchange.file(chaoyang, input),
      secondInstance(net.beijing).file(chaoyang, input),
    ]);
    expect(results.map((r) => r.code ?? r.state).sort()).to.deep.equal(["already_filed", "sent"]);
    // A case the hub refused is recorded as exchange.filing.refused; the province's own refusal never made a case to send.
    expect(await hubRefusals()).to.equal(before);
  });

  it("when a queued filing is refused by the hub, or a filing is ended, then the division may file the person again", async () => {
    const revoked = await aCertifiedPractitioner(net.jiangsu, { status: "revoked" });
    const first = await net.beijing.lookup(chaoyang, revoked.idNumber);
    net.beijing.link.down = true;
    expect(await fileState(first.lookupId, revoked)).to.equal("queued");
    net.beijing.link.down = false;
    await net.beijing.send();
    expect(
      await net.beijing.conn.collection("exchange_local_cases").findOne({ idNumber: revoked.idNumber }),
    ).to.deep.include({ state: "refused" });
    net.beijing.link.down = true;
    try {
      expect(await fileState(first.lookupId, revoked)).to.equal("queued");
    } finally {
      net.beijing.link.down = false;
    }

    const p = await aCertifiedPractitioner(net.jiangsu);
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    const filed = await net.beijing.exchange.file(chaoyang, {
      lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.beijing.exchange.end(chaoyang, filed.caseId, { endDate: "2026-12-05", reason: "离职" });
    await net.beijing.send();
    const again = await net.beijing.lookup(chaoyang, p.idNumber);
    expect(await fileState(again.lookupId, p)).to.be.oneOf(["queued", "sent"]);
  });
});
