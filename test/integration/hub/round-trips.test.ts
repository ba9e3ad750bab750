import { expect } from "chai";
import type { CollectionReceipt, LookupAnswer } from "../../../server/contracts/hub.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, useHubWithProvinces } from "./support.js";

/**
 * Issue 12: what one lookup and one collected batch cost the hub in database round trips, counted
 * with the driver's command monitor, so a change that adds round trips shows here.
 */
describe("hub database round trips per lookup and per batch", () => {
  const provinceDb = useTestDatabase("prov_rt");
  const net = useHubWithProvinces(provinceDb, { jiangsu: "320000", beijing: "110000" }, { monitorCommands: true });
  before(async () => {
    // Each node's first message reads its key from the registry; later ones only the registry's version.
    for (const province of [net.jiangsu, net.beijing])
      await province.client.call("GET", "/api/hub/v1/catalog/changes?after=0");
  });

  const publish = async (records: unknown[]) => {
    const answer = await net.jiangsu.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `rt-${Math.random()}`,
      records,
    });
    expect(answer.status).to.equal(200);
    return answer.body;
  };
  /**
   * The commands a request sent, in order, except that the first two (confirming the node's key
   * and claiming the nonce) and the last two (keeping the answer for replays and logging the
   * message) are sorted: each pair runs at once, so its order is not fixed.
   */
  const commands = async (work: () => Promise<unknown>) => {
    const seen = await commandsDuring(net.hub.node.ctx.conn, work);
    return [...seen.slice(0, 2).sort(), ...seen.slice(2, -2), ...seen.slice(-2).sort()];
  };

  /**
   * Authenticating the node (its key known: only the registry's version is read) while claiming
   * the nonce; then keeping the answer for replays and logging the message, at once.
   */
  const transport = {
    before: ["find hub_registry_meta", "insert node_nonces"],
    after: ["insert message_log", "update node_nonces"],
  };

  it("when a known node sends a message, then the hub reads the registry version and claims the nonce at once, not one after the other", async () => {
    const client = net.hub.node.ctx.conn.getClient();
    const events: string[] = [];
    const names = new Map<number, string>();
    const started = (e: { commandName: string; requestId: number; command: Record<string, unknown> }) => {
      const name = `${e.commandName} ${String(e.command[e.commandName])}`;
      names.set(e.requestId, name);
      events.push(`start ${name}`);
    };
    const ended = (e: { requestId: number }) => events.push(`end ${names.get(e.requestId) ?? "?"}`);
    client.on("commandStarted", started);
    client.on("commandSucceeded", ended);
    try {
      expect((await net.beijing.client.call("GET", "/api/hub/v1/catalog/changes?after=0")).status).to.equal(200);
    } finally {
      client.off("commandStarted", started);
      client.off("commandSucceeded", ended);
    }
    const first = (e: string) => events.indexOf(e);
    expect(first("start insert node_nonces"), events.join(", ")).to.be.greaterThan(-1);
    expect(first("start insert node_nonces"), events.join(", ")).to.be.below(first("end find hub_registry_meta"));
  });

  it("when a province looks a practitioner up, then the hub makes 6 round trips, 4 in sequence, and still logs the lookup", async () => {
    const idNumber = aNewIdNumber();
    await publish([aCertificateRecord({ idNumber })]);
    const body = {
      query: { by: "id_number", idNumber },
      officerId: "bj-7",
      reason: "enforcement",
      caseReference: "RT-1",
    };
    let answer: { body: LookupAnswer } | undefined;
    const seen = await commands(async () => {
      answer = await net.beijing.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", body);
    });
    expect(answer?.body.matches).to.have.length(1);
    // The log's sequence number is given when the home province reads the log (cursors.test.ts).
    expect(seen).to.deep.equal([
      ...transport.before,
      "find hub_practitioners",
      "insert hub_lookups",
      ...transport.after,
    ]);
  });

  it("when a batch updates ten known practitioners, then it costs the round trips of one record, not ten times them", async () => {
    const people = Array.from({ length: 10 }, () => aNewIdNumber());
    await publish(people.map((idNumber) => aCertificateRecord({ idNumber })));
    const one = await commands(() =>
      publish([aCertificateRecord({ idNumber: people[0] ?? "", version: 2 })]),
    );
    expect(one).to.deep.equal([
      ...transport.before,
      // The node checked again inside the round, by a write a suspension meanwhile conflicts with.
      "update hub_nodes",
      "find hub_records",
      "find hub_practitioners",
      // The certificate's number is already this person's (their pointer shows it): no claim to
      // read or write (certificate-claims.ts).
      "findAndModify hub_counters",
      "update hub_records",
      "update hub_practitioners",
      "insert hub_changes",
      "insert hub_intake",
      "commitTransaction",
      ...transport.after,
    ]);
    let receipt: CollectionReceipt | undefined;
    const ten = await commands(async () => {
      receipt = await publish(
        people.slice(1).map((idNumber) => aCertificateRecord({ idNumber, version: 2 })),
      );
    });
    expect(receipt?.results.map((r) => r.outcome)).to.deep.equal(Array(9).fill("accepted"));
    expect(ten).to.deep.equal(one);
  });

  it("when eight batches arrive at once, then no round's transaction meets a write conflict and repeats its round trips", async () => {
    const client = net.hub.node.ctx.conn.getClient();
    const conflicts: string[] = [];
    const failed = (e: { commandName: string; failure: unknown }) => {
      if ((e.failure as { code?: number }).code === 112) conflicts.push(e.commandName);
    };
    client.on("commandFailed", failed);
    let receipts: CollectionReceipt[] = [];
    const seen = await commandsDuring(net.hub.node.ctx.conn, async () => {
      try {
        receipts = await Promise.all(
          Array.from({ length: 8 }, () => publish(Array.from({ length: 20 }, () => aCertificateRecord({ idNumber: aNewIdNumber("320106") })))),
        );
      } finally {
        client.off("commandFailed", failed);
      }
    });
    expect(receipts.flatMap((r) => r.results.map((x) => x.outcome))).to.deep.equal(Array(160).fill("accepted"));
    expect(conflicts).to.deep.equal([]);
    expect(seen.filter((c) => c === "findAndModify hub_counters")).to.have.length(8);
  });

  it("when one practitioner gets several versions in one batch, then they apply in order, one round each", async () => {
    const idNumber = aNewIdNumber();
    await publish([aCertificateRecord({ idNumber })]);
    let receipt: CollectionReceipt | undefined;
    const seen = await commands(async () => {
      receipt = await publish([2, 3, 4].map((version) => aCertificateRecord({ idNumber, version })));
    });
    expect(receipt?.results.map((r) => r.outcome)).to.deep.equal(["accepted", "accepted", "accepted"]);
    const seqs = receipt?.results.map((r) => r.hubSeq ?? 0) ?? [];
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    expect(seen.filter((c) => c === "commitTransaction")).to.have.length(3);
    const pointer = await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
    expect(pointer?.version).to.equal(4);
  });
});
