import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

const admin: AuthUser = {
  id: "000000000000000000000001",
  kind: "staff",
  roles: ["admin"],
  displayName: "江苏管理员",
  divisionCode: "320000",
  provinceCode: "320000",
};

describe("audit written inside the change's transaction", () => {
  const db = useTestDatabase("audit_txn");

  const entriesFor = (targetId: string) =>
    db.conn.collection("audit_log").countDocuments({ "target.id": targetId });

  it("when a service makes a change, then exactly one entry records it and the chain verifies", async () => {
    const audit = createAuditService(db.conn);
    const org = createOrganisationService(db.conn, "320000", audit, { timeZone: NODE_TIME_ZONE });
    const authority = await org.createAuthority(admin, { name: "南京市运管处", divisionCode: "320100" });
    expect(await entriesFor(authority.id)).to.equal(1);
    const entry = await db.conn.collection("audit_log").findOne({ "target.id": authority.id });
    expect(entry).to.deep.include({ action: "authority.created", divisionCode: "320100" });
    expect(await audit.verify()).to.deep.include({ ok: true });
  });

  it("when the audit entry cannot be written, then the change is rolled back with it", async () => {
    const real = createAuditService(db.conn);
    const failing: AuditLog = {
      ...real,
      append: () => Promise.reject(new Error("audit store unavailable")),
    };
    const org = createOrganisationService(db.conn, "320000", failing, { timeZone: NODE_TIME_ZONE });
    const before = await db.conn.collection("authorities").countDocuments({ name: "苏州市运管处" });
    let failed = false;
    await org.createAuthority(admin, { name: "苏州市运管处", divisionCode: "320500" }).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
    expect(await db.conn.collection("authorities").countDocuments({ name: "苏州市运管处" })).to.equal(before);
  });

  it("when the change fails inside its transaction, then no audit entry is left behind", async () => {
    const audit = createAuditService(db.conn);
    const headBefore = (await db.conn.collection("audit_head").findOne({ key: "audit" }))?.seq as number;
    await audit
      .transaction(async (session) => {
        await audit.append(session, { action: "room.created", actor: admin, divisionCode: "320000" });
        throw new Error("the change itself fails after its entry was appended");
      })
      .catch(() => undefined);
    expect(await db.conn.collection("audit_log").countDocuments({ action: "room.created" })).to.equal(0);
    expect((await db.conn.collection("audit_head").findOne({ key: "audit" }))?.seq).to.equal(headBefore);
    expect(await audit.verify()).to.deep.include({ ok: true });
  });

  it("when two processes append inside concurrent transactions that also change data, then every entry has its own place in one valid chain", async () => {
    // Two service instances stand for two processes: their in-process queues do not serialise
    // each other, so their transactions really meet on the head document.
    const a = createAuditService(db.conn);
    const b = createAuditService(db.conn);
    const counters = db.conn.collection<{ _id: string; n: number }>("test_counters");
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const audit = i % 2 ? a : b;
        return audit.transaction(async (session) => {
          await counters.updateOne({ _id: `c${i}` }, { $inc: { n: 1 } }, { upsert: true, session });
          await audit.append(session, { action: "room.updated", actor: admin, details: { i } });
        });
      }),
    );
    const entries = await db.conn.collection("audit_log").find({}).sort({ seq: 1 }).toArray();
    const seqs = entries.map((e) => e.seq as number);
    expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.prevHash as string)).size).to.equal(entries.length);
    expect(entries.filter((e) => e.action === "room.updated")).to.have.length(16);
    // A retried transaction ran its change once: each counter is 1.
    expect((await counters.find({}).toArray()).map((c) => c.n)).to.deep.equal(Array(16).fill(1));
    expect(await a.verify()).to.deep.include({ ok: true });
  });
});
