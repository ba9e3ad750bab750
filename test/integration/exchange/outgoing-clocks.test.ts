import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork, type TestProvince } from "./support.js";

const silent = createLogger({ level: "silent", name: "test" });
const TEN_MINUTES = 10 * 60_000;

/**
 * Several instances of a province node send from one `exchange_outgoing`. Whether an entry is due
 * and whether another instance's lease on it has run out is decided by the database's clock, so
 * an instance whose clock is ten minutes ahead does not take a live lease over (the hub would get
 * the entry twice) and one ten minutes behind does not leave due entries waiting.
 */
describe("cross-province exchange: sending instances whose clocks differ", () => {
  const net = useExchangeNetwork();
  const chaoyang = anOfficer("110105", "朝阳区业务员");

  /** Another instance of the province's node, sending with its own clock. */
  const anInstance = (p: TestProvince, offsetMs: number) =>
    createExchangeTransport({ conn: p.conn, logger: silent, client: () => p.client, backoffMs: () => 0, now: () => new Date(Date.now() + offsetMs) });

  /** A filing queued while the hub could not be reached (its first try failed and is due again now). */
  async function aQueuedFiling(): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { lookupId } = await net.beijing.lookup(chaoyang, p.idNumber);
    net.beijing.link.down = true;
    try {
      const filed = await net.beijing.exchange.file(chaoyang, { lookupId, practitioner: p, details: aFiling() });
      expect(filed.state).to.equal("queued");
      return filed.caseId;
    } finally {
      net.beijing.link.down = false;
    }
  }
  const entryOf = (caseId: string) => net.beijing.conn.collection("exchange_outgoing").findOne({ caseId, purpose: "submit" });

  it("when an instance whose clock runs ten minutes ahead sends while another instance holds a fresh lease on an entry, then it leaves that entry alone", async () => {
    const caseId = await aQueuedFiling();
    // Another instance took it just now (by the database's clock) and is sending it.
    await net.beijing.conn.collection("exchange_outgoing").updateOne({ caseId, purpose: "submit" }, [{ $set: { status: "sending", leaseUntil: { $add: ["$$NOW", 60_000] } } }]);
    await anInstance(net.beijing, TEN_MINUTES).sendOnce();
    expect(await entryOf(caseId)).to.deep.include({ status: "sending", attempts: 1 });
    expect(await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ caseId })).to.equal(0);
  });

  it("when an instance whose clock runs ten minutes behind sends, then an entry due by the database's clock goes at once", async () => {
    const caseId = await aQueuedFiling();
    await anInstance(net.beijing, -TEN_MINUTES).sendOnce();
    expect(await entryOf(caseId)).to.deep.include({ status: "done" });
    expect(await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ caseId })).to.equal(1);
  });

  it("when an attempt fails on an instance whose clock runs ten minutes ahead, then its retry is due by the database's clock and an instance on time sends it", async () => {
    await net.beijing.send(); // whatever else is due goes first, so the next try is this entry's
    const caseId = await aQueuedFiling();
    net.beijing.link.down = true;
    try {
      await anInstance(net.beijing, TEN_MINUTES).sendOnce();
    } finally {
      net.beijing.link.down = false;
    }
    expect(await entryOf(caseId)).to.deep.include({ status: "pending", attempts: 2 });
    await anInstance(net.beijing, 0).sendOnce();
    expect(await entryOf(caseId)).to.deep.include({ status: "done" });
  });
});
