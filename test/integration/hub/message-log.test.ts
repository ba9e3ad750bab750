import { expect } from "chai";
import type { Connection } from "mongoose";
import { connectMongo } from "../../../server/lib/mongo.js";
import { createMessageLog, type MessageLogInput } from "../../../server/sharing/index.js";
import { commandsDuring } from "../../helpers/commands.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";

const aMessage = (i: number): MessageLogInput => ({
  direction: "in",
  peer: "320000",
  keyId: "k",
  nonce: `n-${i}-${Math.random().toString(36).slice(2, 8)}`,
  method: "POST",
  target: "/api/hub/v1/exchange/cases",
  requestDigest: null,
  requestSignature: null,
  status: 200,
  responseDigest: null,
  responseSignature: null,
  outcome: "processed",
  code: null,
});

/**
 * The hash-chained message log under load: appends that arrive together share one insert (group
 * commit) and each resolves only once its entry is in the log; a second instance appending at the
 * same time still leaves one unbroken chain holding every entry once.
 */
describe("message log: group commit", () => {
  const conns: Connection[] = [];
  let dbName = "";
  const open = async () => {
    const conn = await connectMongo((await testDatabase()).uri, { dbName, monitorCommands: true });
    conns.push(conn);
    return conn;
  };
  beforeEach(() => {
    dbName = uniqueDbName("mlog");
  });
  afterEach(async () => {
    await conns[0]?.dropDatabase().catch(() => undefined);
    for (const c of conns.splice(0)) await c.close();
  });

  it("when 40 messages are appended at once, then they take a few inserts, each append resolves to its entry in the log, and the chain verifies", async () => {
    const conn = await open();
    const log = createMessageLog(conn);
    await log.append(aMessage(-1));
    let entries: Awaited<ReturnType<typeof log.append>>[] = [];
    const commands = await commandsDuring(conn, async () => {
      entries = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(aMessage(i))));
    });
    expect(commands.filter((c) => c === "insert message_log").length).to.be.at.most(3);
    const stored = await conn.collection("message_log").find({}, { projection: { seq: 1, nonce: 1 } }).toArray();
    expect(stored).to.have.length(41);
    for (const e of entries) expect(stored.find((s) => s.seq === e.seq)?.nonce).to.equal(e.nonce);
    expect(await log.verify()).to.deep.include({ ok: true, checked: 41 });
  });

  it("when two instances append 30 messages each at the same time, then the log holds all 60 once in one chain that verifies", async () => {
    const [a, b] = [createMessageLog(await open()), createMessageLog(await open())];
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => a.append(aMessage(i))),
      ...Array.from({ length: 30 }, (_, i) => b.append(aMessage(100 + i))),
    ]);
    const stored = await conns[0]!.collection("message_log").find({}).toArray();
    expect(stored).to.have.length(60);
    expect(new Set(stored.map((s) => s.nonce as string)).size).to.equal(60);
    expect(await a.verify()).to.deep.include({ ok: true, checked: 60 });
  });

  it("when the log is longer than a page and an entry far in is altered, then verification reads it a page at a time and names that entry", async () => {
    const conn = await open();
    const log = createMessageLog(conn);
    for (let start = 0; start < 2100; start += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(aMessage(start + i))));
    }
    expect(await conn.collection("message_log").countDocuments()).to.equal(2200);
    await conn.collection("message_log").updateOne({ seq: 2050 }, { $set: { status: 500 } });
    let verdict: Awaited<ReturnType<typeof log.verify>> | undefined;
    const commands = await commandsDuring(conn, async () => {
      verdict = await log.verify();
    });
    expect(verdict).to.deep.equal({ ok: false, checked: 2200, brokenAt: 2050 });
    expect(commands.filter((c) => c === "find message_log").length).to.be.at.least(3);
  });
});
