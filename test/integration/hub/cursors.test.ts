import { expect } from "chai";
import { randomUUID } from "node:crypto";
import type { InboxPage } from "../../../server/contracts/exchange.js";
import type { ChangesPage, CollectionReceipt, LookupAnswer, LookupNoticesPage } from "../../../server/contracts/hub.js";
import { createMessageLog, createNodeClient, generateNodeKey, type NodeClient } from "../../../server/sharing/index.js";
import { testDatabase, useTestDatabase } from "../../helpers/database.js";
import { startHoldingProxy } from "../../helpers/holding-proxy.js";
import { aCertificateRecord, aNewIdNumber, startTestHub, type TestHub } from "./support.js";

/**
 * Issue 12: provinces pull the hub's logs by sequence cursor (`after`), so a number must never
 * become visible while a smaller one can still appear. Two hub instances share one database; the
 * second reaches it through a proxy that holds one of its commands, so its write commits after the
 * first instance's, however the machine schedules them.
 */
describe("hub cursors with two hub instances", () => {
  const provinceDb = useTestDatabase("prov_cur");
  let hub: TestHub;
  let second: TestHub;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  /** Each province's signing client, to the first instance (`a`) and to the second (`b`). */
  let jiangsu: { a: NodeClient; b: NodeClient };
  let beijing: { a: NodeClient; b: NodeClient };

  before(async () => {
    hub = await startTestHub({}, { monitorCommands: true });
    proxy = await startHoldingProxy((await testDatabase()).uri);
    second = await startTestHub({ NODE_KEY_DIR: hub.keyDir }, { shareDatabase: hub.node.dbName, mongoUri: proxy.uri });
    const clients = async (provinceCode: string) => {
      const key = generateNodeKey();
      await hub.registry.register({ provinceCode, name: provinceCode, nodeKey: key.publicKeyX, certificateKeys: [] });
      const log = createMessageLog(provinceDb.conn);
      return {
        a: createNodeClient({ key, peer: hub.peer, log }),
        b: createNodeClient({ key, peer: second.peer, log }),
      };
    };
    jiangsu = await clients("320000");
    beijing = await clients("110000");
  });
  after(async () => {
    await second.node.stop();
    await hub.node.stop();
    await proxy.stop();
  });

  const publish = async (client: NodeClient, idNumber: string) => {
    const answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `cur-${idNumber}`,
      records: [aCertificateRecord({ idNumber })],
    });
    expect(answer.body.results[0]?.outcome).to.equal("accepted");
  };
  const lookup = (client: NodeClient, idNumber: string, caseReference: string) =>
    client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
      query: { by: "id_number", idNumber },
      officerId: "bj-officer-1",
      reason: "enforcement",
      caseReference,
    });
  /** Pulls a feed from `after` to its end, as a province does; answers what it got and the new cursor. */
  const pullAll = async <T>(path: string, after: number, items: (page: T) => unknown[]) => {
    const got: unknown[] = [];
    let cursor = after;
    for (;;) {
      const page = await jiangsu.a.call<T & { nextCursor: number; hasMore: boolean }>("GET", `${path}?after=${cursor}&limit=500`);
      expect(page.status).to.equal(200);
      got.push(...items(page.body));
      cursor = page.body.nextCursor;
      if (!page.body.hasMore) return { got, cursor };
    }
  };

  it("when a lookup taken first commits after a later one and 江苏 pulls in between, then 江苏's next pull still brings the first lookup", async () => {
    const idNumber = aNewIdNumber();
    await publish(jiangsu.a, idNumber);
    const notices = (after: number) =>
      pullAll<LookupNoticesPage>("/api/hub/v1/catalog/lookup-notices", after, (p) => p.lookups.map((l) => l.lookupId));
    const start = (await notices(0)).cursor;

    const held = proxy.hold((c) => c.insert === "hub_lookups");
    const slow = lookup(beijing.b, idNumber, "CUR-slow");
    await held.reached;
    const fast = await lookup(beijing.a, idNumber, "CUR-fast");
    expect(fast.status).to.equal(200);
    const between = await notices(start);
    held.release();
    const slowAnswer = await slow;
    expect(slowAnswer.status).to.equal(200);
    const after = await notices(between.cursor);

    const seen = [...between.got, ...after.got];
    expect(seen).to.have.members([fast.body.lookupId, slowAnswer.body.lookupId]);
  });

  it("when a record's change is still uncommitted on one instance, then a change on the other waits for it and a pull in between passes over neither", async () => {
    const changes = (after: number) =>
      pullAll<ChangesPage>("/api/hub/v1/catalog/changes", after, (p) => p.changes.map((c) => c.idNumber));
    const start = (await changes(0)).cursor;
    const [first, later] = [aNewIdNumber(), aNewIdNumber()];

    // Held inside its transaction, after the counter step: the transaction keeps the counter until released.
    const held = proxy.hold((c) => c.insert === "hub_changes");
    const slow = publish(jiangsu.b, first);
    await held.reached;
    // The first instance's change writes what the held transaction wrote (江苏's node document, then
    // the hub's change counter) and meets a write conflict.
    const conflicted = new Promise<void>((resolve) => {
      const client = hub.node.ctx.conn.getClient();
      const listener = (e: { commandName: string; failure: unknown }) => {
        if (!["update", "findAndModify"].includes(e.commandName) || (e.failure as { code?: number }).code !== 112)
          return;
        client.off("commandFailed", listener);
        resolve();
      };
      client.on("commandFailed", listener);
    });
    const fast = publish(jiangsu.a, later);
    await conflicted;
    const between = await changes(start);
    held.release();
    await Promise.all([slow, fast]);
    const after = await changes(between.cursor);

    expect([...between.got, ...after.got]).to.deep.equal([first, later]);
  });

  it("when a notice held on one instance commits after a later one and 江苏 pulls its inbox in between, then its next pull still brings both", async () => {
    // Two people: two notices of one person at once are ordered (the later waits for the held one).
    const [slowPerson, fastPerson] = [aNewIdNumber(), aNewIdNumber()];
    await publish(jiangsu.a, slowPerson);
    await publish(jiangsu.a, fastPerson);
    const inbox = (after: number) =>
      pullAll<InboxPage>("/api/hub/v1/exchange/inbox", after, (p) => p.messages.filter((m) => m.type === "case").map((m) => m.caseId));
    const start = (await inbox(0)).cursor;
    const notice = async (client: NodeClient, caseNumber: string, idNumber: string) => {
      const caseId = randomUUID();
      const answer = await client.call("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "notice",
        practitioner: { idNumber, name: "张三" },
        officer: { id: "bj-officer-2", name: "朝阳执法员", divisionCode: "110105" },
        details: { caseNumber, decidedOn: "2026-11-20", legalBasis: "《道路运输条例》", facts: "超时驾驶", fineYuan: 200 },
      });
      expect(answer.status, answer.rawBody).to.be.below(300);
      return caseId;
    };

    const held = proxy.hold((c) => c.insert === "exchange_inbox");
    const slow = notice(beijing.b, "京交罚-slow", slowPerson);
    await held.reached;
    const fast = await notice(beijing.a, "京交罚-fast", fastPerson);
    const between = await inbox(start);
    held.release();
    const slowId = await slow;
    const after = await inbox(between.cursor);

    expect([...between.got, ...after.got]).to.have.members([fast, slowId]);
  });
});
