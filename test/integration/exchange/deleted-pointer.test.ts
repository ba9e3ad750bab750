import { expect } from "chai";
import type { CollectionReceipt } from "../../../server/contracts/hub.js";
import { aCertificateRecord } from "../hub/support.js";
import {
  aCertifiedPractitioner,
  aFiling,
  anOfficer,
  aNotice,
  useExchangeNetwork,
  type TestProvince,
} from "./support.js";

/**
 * A person whose every record the home province deleted (a certificate entered for the wrong ID
 * number) is unknown to the hub's lookups; the pointer stays, marked not `live`. The exchange must
 * read it the same way (hub-case-check.ts): no case may be opened about them, even on a lookup
 * made while they were still on file, and with no lookup cited the notice is refused with the one
 * answer that tells nothing of the person.
 */
describe("cross-province exchange: a person whose records at the hub were all deleted", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const bjOfficer = anOfficer("110000", "北京市厅业务员");

  const counts = async () => ({
    hubCases: await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments(),
    hubInbox: await net.hub.node.ctx.conn.collection("exchange_inbox").countDocuments(),
    bjCases: await net.beijing.conn.collection("exchange_local_cases").countDocuments(),
    bjOutgoing: await net.beijing.conn.collection("exchange_outgoing").countDocuments(),
  });

  async function refusalOf(work: Promise<unknown>): Promise<{ code: string; status: number }> {
    const err = await work.then(
      () => null,
      (e: unknown) => e as { code: string; status: number },
    );
    if (!err) throw new Error("expected a refusal");
    return { code: err.code, status: err.status };
  }

  /** The home province deletes the person's one record (their certificate) at the hub. */
  async function deleteAtHome(home: TestProvince, p: { idNumber: string; name: string }): Promise<void> {
    const record = {
      ...aCertificateRecord({ province: home.provinceCode, idNumber: p.idNumber, name: p.name, version: 2 }),
      operation: "delete" as const,
      state: "invalid" as const,
    };
    const answer = await home.plain.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `del-${p.idNumber}`,
      records: [record],
    });
    expect(answer.body.results[0]?.outcome, JSON.stringify(answer.body)).to.equal("accepted");
    const pointer = await net.hub.node.ctx.conn
      .collection("hub_practitioners")
      .findOne({ idNumber: p.idNumber });
    expect(pointer?.live, "the pointer stays, marked deleted").to.equal(false);
  }

  it("when the hub's pointer for the person was deleted after 北京's lookups, then a filing, a transfer and a notice citing a lookup are each refused 404 practitioner_unknown and nothing is written", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "赵已删" });
    const forFiling = await net.beijing.lookup(bjCounty, p.idNumber);
    const forTransfer = await net.beijing.lookup(bjOfficer, p.idNumber);
    const forNotice = await net.beijing.lookup(bjCounty, p.idNumber, "enforcement");
    await deleteAtHome(net.jiangsu, p);
    const before = await counts();

    const filing = await refusalOf(
      net.beijing.exchange.file(bjCounty, {
        lookupId: forFiling.lookupId,
        practitioner: p,
        details: aFiling(),
      }),
    );
    const transfer = await refusalOf(
      net.beijing.exchange.transfer(bjOfficer, {
        lookupId: forTransfer.lookupId,
        practitioner: p,
        details: { reason: "户籍迁入北京市" },
      }),
    );
    const notice = await refusalOf(
      net.beijing.exchange.notify(bjCounty, {
        lookupId: forNotice.lookupId,
        practitioner: p,
        details: aNotice(),
      }),
    );
    for (const refusal of [filing, transfer, notice])
      expect(refusal).to.deep.equal({ code: "practitioner_unknown", status: 404 });
    expect(await counts()).to.deep.equal(before);
  });

  it("when the hub's pointer for the person was deleted, then a notice citing no lookup is refused 422 lookup_required and nothing is written", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "钱已删" });
    await deleteAtHome(net.jiangsu, p);
    const before = await counts();
    expect(
      await refusalOf(net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() })),
    ).to.deep.equal({
      code: "lookup_required",
      status: 422,
    });
    expect(await counts()).to.deep.equal(before);
  });
});
