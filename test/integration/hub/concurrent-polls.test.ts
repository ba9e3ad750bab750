import { expect } from "chai";
import type { CollectionReceipt, LookupAnswer, LookupNoticesPage } from "../../../server/contracts/hub.js";
import { createCatalogService } from "../../../server/hub/index.js";
import {
  createMessageLog,
  createNodeClient,
  generateNodeKey,
  type NodeClient,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, startTestHub, type TestHub } from "./support.js";

/**
 * Issue 12: lookups are numbered when the log is read (commit-numbering.ts), so a GET writes. Two
 * hub instances share one database and their reads come at once: every poll must answer, and every
 * lookup must end with exactly one number, none skipped and none given twice.
 */
describe("hub lookup log under concurrent polls", () => {
  const provinceDb = useTestDatabase("prov_poll");
  let hub: TestHub;
  let second: TestHub;
  let jiangsu: { a: NodeClient; b: NodeClient };
  let beijing: NodeClient;
  const failures: string[] = [];

  before(async () => {
    hub = await startTestHub({}, { monitorCommands: true });
    second = await startTestHub(
      { NODE_KEY_DIR: hub.keyDir },
      { shareDatabase: hub.node.dbName, monitorCommands: true },
    );
    for (const h of [hub, second])
      h.node.ctx.conn.getClient().on("commandFailed", (e) => {
        failures.push(`${e.commandName} ${(e.failure as { code?: number }).code}`);
      });
    const log = createMessageLog(provinceDb.conn);
    const js = generateNodeKey();
    await hub.registry.register({
      provinceCode: "320000",
      name: "江苏",
      nodeKey: js.publicKeyX,
      certificateKeys: [],
    });
    jiangsu = {
      a: createNodeClient({ key: js, peer: hub.peer, log }),
      b: createNodeClient({ key: js, peer: second.peer, log }),
    };
    const bj = generateNodeKey();
    await hub.registry.register({
      provinceCode: "110000",
      name: "北京",
      nodeKey: bj.publicKeyX,
      certificateKeys: [],
    });
    beijing = createNodeClient({ key: bj, peer: hub.peer, log });
  });
  after(async () => {
    await second.node.stop();
    await hub.node.stop();
  });

  it("when an instance died holding the numbering lease with its clock an hour ahead, then a poll still answers, taking the lease over once it stayed unchanged for the lease's length", async () => {
    const idNumber = aNewIdNumber();
    const published = await jiangsu.a.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `dead-${idNumber}`,
      records: [aCertificateRecord({ idNumber })],
    });
    expect(published.body.results[0]?.outcome).to.equal("accepted");
    // What the dead instance left: the lease, stamped by its own clock, and a lookup not numbered yet.
    await hub.node.ctx.conn
      .collection<{ _id: string }>("hub_counters")
      .updateOne(
        { _id: "lookups:numbering" },
        { $set: { holder: "dead-instance", until: new Date(Date.now() + 3600_000), term: 41 } },
        { upsert: true },
      );
    const answer = await beijing.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
      query: { by: "id_number", idNumber },
      officerId: "bj-dead",
      reason: "filing",
      caseReference: "DEAD-1",
    });
    expect(answer.status).to.equal(200);
    const notices = await jiangsu.b.call<LookupNoticesPage>(
      "GET",
      "/api/hub/v1/catalog/lookup-notices?after=0&limit=500",
    );
    expect(notices.status).to.equal(200);
    expect(notices.body.lookups.map((l) => l.lookupId)).to.include(answer.body.lookupId);
  });

  it("when two instances are polled at once while lookups are unnumbered, then every poll answers without a write conflict and every lookup gets one number, none skipped", async () => {
    const idNumber = aNewIdNumber();
    const published = await jiangsu.a.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `poll-${idNumber}`,
      records: [aCertificateRecord({ idNumber })],
    });
    expect(published.body.results[0]?.outcome).to.equal("accepted");
    const Lookups = hub.node.ctx.conn.collection("hub_lookups");
    const ids: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      // Lookups answered but not yet numbered (nobody has read the log since they committed).
      for (let i = 0; i < 6; i += 1) {
        const answer = await beijing.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
          query: { by: "id_number", idNumber },
          officerId: "bj-poll",
          reason: "enforcement",
          caseReference: `POLL-${round}-${i}`,
        });
        expect(answer.status).to.equal(200);
        ids.push(answer.body.lookupId);
      }
      expect(await Lookups.countDocuments({ unnumbered: true })).to.be.at.least(6);
      // Province polls on both instances, and the operator's page on both, all at once.
      const catalogs = [createCatalogService(hub.node.ctx.conn), createCatalogService(second.node.ctx.conn)];
      failures.length = 0;
      const polls = await Promise.allSettled([
        ...[jiangsu.a, jiangsu.b, jiangsu.a, jiangsu.b].map((c) =>
          c.call<LookupNoticesPage>("GET", "/api/hub/v1/catalog/lookup-notices?after=0&limit=500"),
        ),
        ...catalogs.flatMap((c) => [c.recentLookups({ limit: 50 }), c.recentLookups({ limit: 50 })]),
      ]);
      for (const p of polls) {
        expect(p.status, p.status === "rejected" ? String(p.reason) : "").to.equal("fulfilled");
        if (p.status === "fulfilled" && "status" in p.value)
          expect(p.value.status, p.value.rawBody).to.equal(200);
      }
      // Conflict-free, not merely retried: a poll that conflicts repeats its transaction, and under
      // many pollers the retries pile up (seen: dozens of WriteConflicts for eight polls).
      expect(failures, "database commands that failed during the polls").to.deep.equal([]);
    }
    const stored = await Lookups.find({ lookupId: { $in: ids } }).toArray();
    expect(stored).to.have.length(ids.length);
    expect(stored.filter((l) => l.unnumbered || (l.seq as number) <= 0)).to.deep.equal([]);
    const seqs = stored.map((l) => l.seq as number).sort((x, y) => x - y);
    expect(new Set(seqs).size).to.equal(seqs.length);
    const all = (await Lookups.find({}, { projection: { seq: 1 } }).toArray())
      .map((l) => l.seq as number)
      .sort((x, y) => x - y);
    expect(all, "numbers run 1..n with no gap").to.deep.equal(all.map((_, i) => i + 1));
    const notices = await jiangsu.b.call<LookupNoticesPage>(
      "GET",
      "/api/hub/v1/catalog/lookup-notices?after=0&limit=500",
    );
    expect(notices.body.lookups.map((l) => l.lookupId)).to.include.members(ids);
  });
});
