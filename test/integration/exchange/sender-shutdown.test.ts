import { expect } from "chai";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import type { NodeClient } from "../../../server/sharing/index.js";
import { eventually } from "../../helpers/eventually.js";
import { aCertifiedPractitioner, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

/**
 * A node stopping (SIGTERM) while its exchange queue is long: each send may take up to the
 * client's 15 s timeout, so a pass that drained the whole queue kept a stopping node sending for
 * minutes. Stopping lets the entry in flight finish and leaves the rest pending for the next start.
 */
describe("cross-province exchange: the sender when the node stops", () => {
  const net = useExchangeNetwork();
  const bjCity = anOfficer("110100", "北京市业务员");
  const silent = createLogger({ level: "silent", name: "test" });

  /** Notices of 北京's queued while the hub cannot be reached; answers their case ids. */
  async function queuedNotices(n: number): Promise<string[]> {
    await net.beijing.send(); // whatever else is due goes first
    const p = await aCertifiedPractitioner(net.jiangsu);
    net.beijing.link.down = true;
    try {
      const ids: string[] = [];
      for (let i = 0; i < n; i++)
        // Each of another penalty decision: one decision is reported once (noticeOpenKey).
        ids.push(
          (
            await net.beijing.exchange.notify(bjCity, {
              practitioner: p,
              details: { ...aNotice(), caseNumber: `京交执罚〔2026〕${500 + i}号` },
            })
          ).caseId,
        );
      return ids;
    } finally {
      net.beijing.link.down = false;
    }
  }

  /** 北京's client, each call held until `release` (a hub slow to answer). */
  function aSlowHub() {
    let calls = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const client = {
      call: async (...args: Parameters<NodeClient["call"]>) => {
        calls++;
        await gate;
        return net.beijing.client.call(...args);
      },
    } as NodeClient;
    return { client, calls: () => calls, release: () => open() };
  }

  it("when the sender is stopped while an entry is in flight, then the pass ends after that entry and the others stay pending for the next start", async () => {
    const ids = await queuedNotices(3);
    const hub = aSlowHub();
    const transport = createExchangeTransport({
      conn: net.beijing.conn,
      logger: silent,
      client: () => hub.client,
      backoffMs: () => 0,
    });
    const pass = transport.sendOnce();
    // The hub holds the call until released: the entry stays in flight however long this waits.
    await eventually(() => hub.calls() > 0, { what: "the first entry is in flight at the hub" });
    const stopped = transport.stop();
    hub.release();
    await stopped;
    expect(await pass).to.equal(1);
    expect(hub.calls()).to.equal(1);
    const entries = await net.beijing.conn
      .collection("exchange_outgoing")
      .find({ caseId: { $in: ids } })
      .toArray();
    expect(entries.map((e) => e.status).sort()).to.deep.equal(["done", "pending", "pending"]);
    expect(entries.filter((e) => e.status === "pending").every((e) => e.leaseUntil === null)).to.equal(true);
    // Stopped, it sends nothing; started again, the rest go.
    expect(await transport.sendOnce()).to.equal(0);
    transport.start();
    expect(await transport.sendOnce()).to.equal(2);
    expect(hub.calls()).to.equal(3);
  });
});
