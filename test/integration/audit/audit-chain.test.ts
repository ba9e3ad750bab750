import { expect } from "chai";
import { createAuditService, entryHash, GENESIS_HASH } from "../../../server/audit/index.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { commandsDuring } from "../../helpers/commands.js";
import { testDatabase, uniqueDbName, useTestDatabase } from "../../helpers/database.js";

describe("audit log chain", () => {
  const db = useTestDatabase("audit");
  const actor = { id: "u1", kind: "staff" as const, name: "审计员" };

  it("when entries are appended concurrently, then their sequence is gapless and the chain verifies", async () => {
    // Two service instances stand for two processes writing to one database.
    const a = createAuditService(db.conn);
    const b = createAuditService(db.conn);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).record({ action: "proctor.incident", actor, divisionCode: "320100", details: { i } }),
      ),
    );
    const seqs = (await db.conn.collection("audit_log").find({}).sort({ seq: 1 }).toArray()).map(
      (e) => e.seq as number,
    );
    expect(seqs).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await a.verify()).to.deep.include({ ok: true, checked: 30 });
  });

  it("when an entry is edited in the database, then verification names it", async () => {
    const audit = createAuditService(db.conn);
    const e = await audit.record({
      action: "user.roles_changed",
      actor,
      divisionCode: "320100",
      details: { to: ["officer"] },
    });
    await audit.record({ action: "auth.login", actor });
    await db.conn.collection("audit_log").updateOne({ seq: e.seq }, { $set: { "details.to": ["admin"] } });
    const result = await audit.verify();
    expect(result.ok).to.equal(false);
    expect(result.problems).to.deep.include({
      seq: e.seq,
      kind: "edited",
      message: `审计记录 #${e.seq} 的内容已被篡改`,
    });
  });

  it("when an entry is deleted from the middle or the end, then verification names each", async () => {
    const audit = createAuditService(db.conn);
    const middle = await audit.record({ action: "auth.login", actor });
    await audit.record({ action: "auth.login", actor });
    const last = await audit.record({ action: "auth.logout", actor });
    await db.conn.collection("audit_log").deleteOne({ seq: middle.seq });
    await db.conn.collection("audit_log").deleteOne({ seq: last.seq });
    const kinds = (await audit.verify()).problems.filter((p) => p.kind === "deleted").map((p) => p.seq);
    expect(kinds).to.include.members([middle.seq, last.seq]);
  });

  it("when a process appends after its own last entry, then it writes the head and the entry without reading the head; when another process moved the head, then it reads it and the chain still verifies", async () => {
    const conn = await connectMongo((await testDatabase()).uri, {
      dbName: uniqueDbName("auditcmds"),
      monitorCommands: true,
    });
    try {
      const a = createAuditService(conn);
      const b = createAuditService(conn);
      // mongoose builds a fresh database's indexes in the background: not an append's work.
      const quiet = { ignore: /^createIndexes/ };
      await a.record({ action: "user.created", actor });
      expect(
        await commandsDuring(conn, () => a.record({ action: "user.updated", actor }), quiet),
      ).to.deep.equal(["update audit_head", "insert audit_log", "commitTransaction"]);
      await b.record({ action: "user.roles_changed", actor });
      // a's head is stale: its conditional update matches nothing, then it reads the head.
      expect(
        await commandsDuring(conn, () => a.record({ action: "auth.logout", actor }), quiet),
      ).to.deep.equal([
        "update audit_head",
        "findAndModify audit_head",
        "update audit_head",
        "insert audit_log",
        "commitTransaction",
      ]);
      expect(await a.verify()).to.deep.include({ ok: true, checked: 4 });
      const seqs = (await conn.collection("audit_log").find({}).sort({ seq: 1 }).toArray()).map((e) => e.seq);
      expect(seqs).to.deep.equal([1, 2, 3, 4]);
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });

  it("when an audited transaction fails after its entry, then nothing of it stays and the next entry links to the last committed one", async () => {
    const audit = createAuditService(db.conn);
    const before = await audit.record({ action: "auth.login", actor });
    const failed = audit.transaction(async (session) => {
      await audit.append(session, { action: "seat.updated", actor });
      throw new Error("the change failed");
    });
    await failed.then(
      () => expect.fail("the transaction should fail"),
      (err: unknown) => expect((err as Error).message).to.equal("the change failed"),
    );
    const after = await audit.record({ action: "auth.logout", actor });
    expect(after.seq).to.equal(before.seq + 1);
    expect(await db.conn.collection("audit_log").countDocuments({ action: "seat.updated" })).to.equal(0);
    expect(after.prevHash).to.equal(before.hash);
  });
});

describe("audit log verification of a long log", () => {
  const actor = { id: "u1", kind: "staff" as const, name: "审计员" };

  it("when the log is longer than a page and an entry far in is edited, then verification reads it a page at a time, names that entry and counts every entry", async () => {
    const conn = await connectMongo((await testDatabase()).uri, {
      dbName: uniqueDbName("auditlong"),
      monitorCommands: true,
    });
    try {
      // A valid chain of 2,500 entries written straight to the collections (recording them one
      // by one only costs time), then one edited deep in the third page.
      const entries = [];
      let prevHash = GENESIS_HASH;
      for (let seq = 1; seq <= 2500; seq++) {
        const fields = {
          seq,
          at: new Date(Date.UTC(2026, 11, 1, 0, 0, 0, seq)),
          action: "auth.login",
          actor,
          divisionCode: null,
          target: null,
          details: { i: seq },
          prevHash,
        };
        prevHash = entryHash(fields);
        entries.push({ ...fields, hash: prevHash });
      }
      await conn.collection("audit_log").insertMany(entries);
      await conn.collection("audit_head").insertOne({ key: "audit", seq: 2500, hash: prevHash });
      await conn.collection("audit_log").updateOne({ seq: 2100 }, { $set: { "details.i": 0 } });

      const audit = createAuditService(conn);
      let verdict: Awaited<ReturnType<typeof audit.verify>> | undefined;
      const commands = await commandsDuring(conn, async () => {
        verdict = await audit.verify();
      });
      expect(verdict).to.deep.equal({
        ok: false,
        checked: 2500,
        problemCount: 1,
        problems: [{ seq: 2100, kind: "edited", message: "审计记录 #2100 的内容已被篡改" }],
      });
      expect(commands.filter((c) => c === "find audit_log").length).to.be.at.least(3);
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });
});

describe("audit log with a clock of its own (the demo's past)", () => {
  const db = useTestDatabase("audit_clock");
  const actor = { id: "u1", kind: "staff" as const, name: "业务员" };

  it("when entries are recorded on a clock set back after newer ones, then each carries its clock's time and the chain still verifies", async () => {
    const today = createAuditService(db.conn);
    await today.record({ action: "auth.login", actor });
    let at = new Date("2026-11-10T01:00:00.000Z");
    const past = createAuditService(db.conn, { now: () => at });
    const first = await past.record({ action: "session.created", actor, divisionCode: "320100" });
    at = new Date("2026-11-12T02:30:00.000Z");
    const second = await past.record({ action: "exam.results_published", actor, divisionCode: "320100" });
    expect([first.at, second.at]).to.deep.equal(["2026-11-10T01:00:00.000Z", "2026-11-12T02:30:00.000Z"]);
    expect(await today.verify()).to.deep.include({ ok: true, checked: 3 });
  });
});
