import { expect } from "chai";
import { commandsDuring } from "../../helpers/commands.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * What one filing costs the hub in database round trips, counted with the driver's command
 * monitor (bench:exchange's path: the filing, then the home province's pull that takes it).
 */
describe("hub database round trips per filing and per inbox pull", () => {
  const net = useExchangeNetwork({ hub: { monitorCommands: true } });
  const bjOfficer = anOfficer("110105", "朝阳区业务员");

  it("when 北京 files a 江苏 practitioner and 江苏 pulls, then the filing costs 12 round trips, its transaction holds the message without an inbox counter, and the pull numbers it", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    const filing = await commandsDuring(net.hub.node.ctx.conn, () =>
      net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() }),
    );
    const pull = await commandsDuring(net.hub.node.ctx.conn, () => net.jiangsu.pull(), {
      ignore: /lookups|lookup_notices/,
    });
    // The gate's two first round trips (registry version, nonce claim) run at once, as do its two
    // last (the answer kept, the message logged): each pair is compared in sorted order.
    const pairsSorted = [...filing.slice(0, 2).sort(), ...filing.slice(2, -2), ...filing.slice(-2).sort()];
    expect(pairsSorted).to.deep.equal([
      // 北京's key was read at its lookup: only the registry's version now
      "find hub_registry_meta",
      "insert node_nonces",
      // submit: the pointer (which names the issuing office) and the cited lookup, read at once (a
      // re-send is recognised only when the insert fails; a second open filing by the unique open key)
      "find hub_practitioners",
      "find hub_lookups",
      // one transaction: the person's order (concurrent changes of one person conflict, not of
      // everyone), filed-with on the pointer, the case, its message — no counter every filing waits
      // on — and last 北京's node held (a suspension committing since the gate conflicts with it and
      // refuses the filing: holdNodeForWrite)
      "findAndModify exchange_person_order",
      "update hub_practitioners",
      "insert exchange_cases",
      "insert exchange_inbox",
      "update hub_nodes",
      "commitTransaction",
      "insert message_log",
      "update node_nonces",
    ]);
    expect(pull.filter((c) => c === "findAndModify exchange_counters")).to.have.length(1);
  });

  it("when the pointer does not name the issuing office (kept before it did, or just moved on a transfer), then the filing reads it from the records and still reaches that office", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320500" });
    const pointers = net.hub.node.ctx.conn.collection("hub_practitioners");
    expect(await pointers.findOne({ idNumber: p.idNumber })).to.include({ issuingDivision: "320500" });
    await pointers.updateOne({ idNumber: p.idNumber }, { $unset: { issuingDivision: 1 } });
    const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
    const filing = await commandsDuring(net.hub.node.ctx.conn, () =>
      net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() }),
    );
    expect(filing).to.include("find hub_records");
    const held = await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ idNumber: p.idNumber });
    expect(held).to.include({ responsibleDivision: "320500" });
  });

  it("when 江苏 confirms a page of three new cases, then the hub marks them delivered and tells their sender in one read, one update and one insert", async () => {
    await net.jiangsu.pull();
    for (let i = 0; i < 3; i++) {
      const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
      const lookupId = (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId;
      await net.beijing.exchange.file(bjOfficer, { lookupId, practitioner: p, details: aFiling() });
    }
    // The pull takes the page and confirms it with its cursor.
    const pull = await commandsDuring(net.hub.node.ctx.conn, () => net.jiangsu.pull(), {
      ignore: /lookups|lookup_notices/,
    });
    const onCases = pull.filter((c) => c.endsWith(" exchange_cases"));
    expect(onCases).to.deep.equal(["find exchange_cases", "update exchange_cases"]);
    expect(pull.filter((c) => c === "insert exchange_inbox")).to.have.length(1);
    const delivered = await net.hub.node.ctx.conn
      .collection("exchange_inbox")
      .countDocuments({ to: "110000", "message.state": "delivered" });
    expect(delivered).to.be.at.least(3);
  });

  it("when 江苏 pulls with nothing new for it, then the hub answers without a transaction or an inbox counter", async () => {
    await net.jiangsu.pull();
    const pull = await commandsDuring(net.hub.node.ctx.conn, () => net.jiangsu.pull(), {
      ignore: /lookups|lookup_notices/,
    });
    expect(pull).to.include("find exchange_inbox");
    expect(pull.filter((c) => /Transaction|exchange_counters/.test(c))).to.deep.equal([]);
  });
});
