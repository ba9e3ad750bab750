import { expect } from "chai";
import { mongo } from "mongoose";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { createGroupCommit } from "../../../server/exams/index.js";

/**
 * The group commit itself (issue 17), on a bare collection: how it groups, pipelines, retries and
 * refuses updates, and what each update resolves to. group-commit.test.ts has the answer saves.
 */
describe("exam delivery: the group commit's own outcomes", () => {
  type Doc = {
    _id: string;
    chainN: number;
    chainHash: string;
    events: { n: number; hash: string }[];
    v: number;
  };
  let raw: mongo.Collection<Doc>;
  let close: () => Promise<void>;

  before(async () => {
    const db = await testDatabase();
    const conn = await connectMongo(db.uri, { dbName: uniqueDbName("group") });
    // The driver's own collection, as the attempt store gives the group commit.
    if (!conn.db) throw new Error("not connected");
    raw = conn.db.collection<Doc>("grouped");
    close = async () => {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    };
  });
  after(() => close());

  /** Documents at chain head 1 and the update that moves each to head 2 (event hash `h2-<id>`). */
  async function someDocs(prefix: string, count: number) {
    const docs = Array.from({ length: count }, (_, i) => ({
      _id: `${prefix}-${i}`,
      chainN: 1,
      chainHash: "h1",
      events: [{ n: 1, hash: "h1" }],
      v: 0,
    }));
    await raw.insertMany(docs);
    const next = (id: string, update: Record<string, unknown> = { $set: { v: 1 } }) => ({
      filter: { _id: id, chainN: 1 },
      update: {
        ...update,
        $set: { ...((update.$set as object | undefined) ?? {}), chainN: 2, chainHash: `h2-${id}` },
        $push: { events: { n: 2, hash: `h2-${id}` } },
      },
      event: { n: 2, hash: `h2-${id}` },
    });
    return { ids: docs.map((d) => d._id), next };
  }

  /** What the group commit sends a group as: one `update` command with its statements. */
  type UpdateCommand = { update: string; updates: { q: { _id: string } }[]; writeConcern?: unknown };

  /**
   * A view of `coll` whose database commands go through `wrap` (given the command and a function
   * that sends it for real): how a group's write is seen, held or failed by a test.
   */
  function spyCommands(
    coll: mongo.Collection<Doc>,
    wrap: (command: UpdateCommand, send: () => Promise<unknown>) => Promise<unknown>,
  ): mongo.Collection<Doc> {
    const spied = Object.create(coll) as mongo.Collection<Doc>;
    const db = coll.db;
    Object.defineProperty(spied, "db", {
      value: {
        command: (command: UpdateCommand) =>
          wrap(command, () => db.command(command as unknown as mongo.Document)),
      },
    });
    return spied;
  }

  /** The collection with its group commands counted, and `after` run once each has returned. */
  function counted(after?: () => Promise<unknown>, options?: { windowMs: number }) {
    const calls = { n: 0 };
    const spied = spyCommands(raw, async (_command, send) => {
      calls.n += 1;
      try {
        return await send();
      } finally {
        await after?.();
      }
    });
    return { group: createGroupCommit(spied as never, options), calls };
  }

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * The collection with every write (bulk or single) recorded by the ids it carries, held until
   * `open()` while the gate is closed: a group "in flight" for as long as the test wants.
   */
  function gated() {
    const writes: string[][] = [];
    let open = () => undefined as void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const idOf = (filter: unknown) => String((filter as { _id: string })._id);
    const spied = spyCommands(raw, async (command, send) => {
      writes.push(command.updates.map((st) => idOf(st.q)));
      await gate;
      return send();
    });
    spied.updateOne = (async (
      filter: Parameters<typeof raw.updateOne>[0],
      update: Parameters<typeof raw.updateOne>[1],
    ) => {
      writes.push([idOf(filter)]);
      await gate;
      return raw.updateOne(filter, update);
    }) as typeof raw.updateOne;
    return { spied, writes, open: () => open() };
  }

  /** Waits (turns of the event loop, no clock) until `n` writes were sent, or gives up after many turns. */
  async function untilWrites(writes: string[][], n: number): Promise<void> {
    for (let i = 0; i < 50 && writes.length < n; i++) await nextTurn();
  }

  it("when updates arrive while a group is being written, then they go as the next group without waiting for the first to return", async () => {
    const { ids, next } = await someDocs("pipelined", 4);
    const db = gated();
    const group = createGroupCommit(db.spied as never, { windowMs: 0 });
    const first = [0, 1].map((i) => group.updateOne(ids[i] ?? "", next(ids[i] ?? "")));
    await untilWrites(db.writes, 1);
    const second = [2, 3].map((i) => group.updateOne(ids[i] ?? "", next(ids[i] ?? "")));
    await untilWrites(db.writes, 2);
    // The first group's reply has not come back, and the second group is already written.
    expect(db.writes).to.deep.equal([ids.slice(0, 2), ids.slice(2, 4)]);
    db.open();
    expect(await Promise.all([...first, ...second])).to.deep.equal([true, true, true, true]);
  });

  it("when a document's update is being written and its next update arrives, then the next one waits for that write and its neighbours do not", async () => {
    const { ids, next } = await someDocs("one-doc", 2);
    const [a, b] = ids as [string, string];
    const db = gated();
    const group = createGroupCommit(db.spied as never, { windowMs: 0 });
    const firstOfA = group.updateOne(a, next(a));
    await untilWrites(db.writes, 1);
    // A's next update names the head its first update makes (as a serialised caller's would).
    const thenA = group.updateOne(a, {
      filter: { _id: a, chainN: 2 },
      update: { $set: { chainN: 3, chainHash: "h3" }, $push: { events: { n: 3, hash: "h3" } } },
      event: { n: 3, hash: "h3" },
    });
    const ofB = group.updateOne(b, next(b));
    await untilWrites(db.writes, 3);
    expect(db.writes).to.deep.equal([[a], [b]]);
    db.open();
    expect(await Promise.all([firstOfA, thenA, ofB])).to.deep.equal([true, true, true]);
    expect(db.writes).to.deep.equal([[a], [b], [a]]);
    expect((await raw.findOne({ _id: a }))?.events.map((e) => e.n)).to.deep.equal([1, 2, 3]);
  });

  it("when one group may be in flight, then updates arriving meanwhile wait for it (the single-write pipeline)", async () => {
    const { ids, next } = await someDocs("single", 2);
    const db = gated();
    const group = createGroupCommit(db.spied as never, { windowMs: 0, maxInFlight: 1 });
    const first = group.updateOne(ids[0] ?? "", next(ids[0] ?? ""));
    await untilWrites(db.writes, 1);
    const second = group.updateOne(ids[1] ?? "", next(ids[1] ?? ""));
    await untilWrites(db.writes, 2);
    expect(db.writes).to.have.length(1);
    db.open();
    expect(await Promise.all([first, second])).to.deep.equal([true, true]);
    expect(db.writes).to.have.length(2);
  });

  it("when updates follow each other within the group window, then the later ones wait for it and share one update command", async () => {
    const { ids, next } = await someDocs("window", 3);
    const { group, calls } = counted(undefined, { windowMs: 1000 });
    // After a quiet moment an update goes at once, alone.
    expect(await group.updateOne(ids[0] ?? "", next(ids[0] ?? ""))).to.equal(true);
    expect(calls.n).to.equal(0);
    const second = group.updateOne(ids[1] ?? "", next(ids[1] ?? ""));
    // Turns of the event loop later (without the window the second would be written alone by now).
    await nextTurn();
    await nextTurn();
    const third = group.updateOne(ids[2] ?? "", next(ids[2] ?? ""));
    expect(await Promise.all([second, third])).to.deep.equal([true, true]);
    expect(calls.n).to.equal(1);
    for (const id of ids) expect((await raw.findOne({ _id: id }))?.chainN).to.equal(2);
  });

  it("when updates are queued in one moment, then they are written in one update command and each resolves to its own match", async () => {
    const { ids, next } = await someDocs("moment", 3);
    const { group, calls } = counted();
    // The middle one names a head the document does not have: it alone misses.
    const stale = { ...next(ids[1] ?? ""), filter: { _id: ids[1], chainN: 7 } };
    const outcomes = await Promise.all([
      group.updateOne(ids[0] ?? "", next(ids[0] ?? "")),
      group.updateOne(ids[1] ?? "", stale),
      group.updateOne(ids[2] ?? "", next(ids[2] ?? "")),
    ]);
    expect(outcomes).to.deep.equal([true, false, true]);
    expect(calls.n).to.equal(1);
    expect((await raw.findOne({ _id: ids[1] }))?.chainN).to.equal(1);
  });

  it("when an update is alone in its moment, then it goes as a plain update and resolves to its own match", async () => {
    const { ids, next } = await someDocs("alone", 2);
    const { group, calls } = counted();
    expect(await group.updateOne(ids[0] ?? "", next(ids[0] ?? ""))).to.equal(true);
    const stale = { ...next(ids[1] ?? ""), filter: { _id: ids[1], chainN: 7 } };
    expect(await group.updateOne(ids[1] ?? "", stale)).to.equal(false);
    expect(calls.n).to.equal(0);
    expect((await raw.findOne({ _id: ids[0] }))?.chainN).to.equal(2);
  });

  it("when one update of a group fails in the database, then only it is refused and its neighbours are written", async () => {
    const { ids, next } = await someDocs("failing", 3);
    const { group } = counted();
    // $set and $inc of one path conflict: a write error of that statement alone.
    const bad = next(ids[1] ?? "", { $set: { v: 1 }, $inc: { v: 1 } });
    const outcomes = await Promise.allSettled([
      group.updateOne(ids[0] ?? "", next(ids[0] ?? "")),
      group.updateOne(ids[1] ?? "", bad),
      group.updateOne(ids[2] ?? "", next(ids[2] ?? "")),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : null))).to.deep.equal([
      true,
      null,
      true,
    ]);
    expect((await raw.findOne({ _id: ids[1] }))?.chainN).to.equal(1);
    expect((await raw.findOne({ _id: ids[2] }))?.chainN).to.equal(2);
  });

  it("when a document moves on past an applied update before the group's outcome is read, then that update still counts as applied", async () => {
    const { ids, next } = await someDocs("moved", 2);
    // After the group's command, another writer appends event 3 to the first document.
    const { group } = counted(() =>
      raw.updateOne(
        { _id: ids[0], chainN: 2 },
        { $set: { chainN: 3, chainHash: "h3" }, $push: { events: { n: 3, hash: "h3" } } },
      ),
    );
    const stale = { ...next(ids[1] ?? ""), filter: { _id: ids[1], chainN: 7 } };
    const outcomes = await Promise.all([
      group.updateOne(ids[0] ?? "", next(ids[0] ?? "")),
      group.updateOne(ids[1] ?? "", stale),
    ]);
    expect(outcomes).to.deep.equal([true, false]);
  });

  it("when the connection drops after a group was applied, then the group is sent once more and each update still resolves to its own outcome", async () => {
    const { ids, next } = await someDocs("retried", 3);
    let calls = 0;
    const spied = spyCommands(raw, async (_command, send) => {
      calls += 1;
      const reply = await send();
      // The database applied the first try; its reply was lost on the way back.
      if (calls === 1) throw new mongo.MongoNetworkError("connection reset");
      return reply;
    });
    const group = createGroupCommit(spied as never);
    const stale = { ...next(ids[1] ?? ""), filter: { _id: ids[1], chainN: 7 } };
    const outcomes = await Promise.all([
      group.updateOne(ids[0] ?? "", next(ids[0] ?? "")),
      group.updateOne(ids[1] ?? "", stale),
      group.updateOne(ids[2] ?? "", next(ids[2] ?? "")),
    ]);
    expect(calls).to.equal(2);
    expect(outcomes).to.deep.equal([true, false, true]);
    // Applied once: one event 2, not two.
    expect((await raw.findOne({ _id: ids[0] }))?.events.map((e) => e.n)).to.deep.equal([1, 2]);
    expect((await raw.findOne({ _id: ids[1] }))?.chainN).to.equal(1);
  });

  it("when the server labels a group's failure retryable, then the group is sent once more and its updates are written", async () => {
    const { ids, next } = await someDocs("labelled", 2);
    let calls = 0;
    const spied = spyCommands(raw, (_command, send) => {
      calls += 1;
      if (calls > 1) return send();
      // A code outside the specification's list: only the server's label says a retry may mend it.
      const err = new mongo.MongoServerError({ message: "interrupted", code: 11601 });
      err.addErrorLabel("RetryableWriteError");
      return Promise.reject(err);
    });
    const group = createGroupCommit(spied as never);
    const outcomes = await Promise.all(ids.map((id) => group.updateOne(id, next(id))));
    expect(calls).to.equal(2);
    expect(outcomes).to.deep.equal([true, true]);
    for (const id of ids) expect((await raw.findOne({ _id: id }))?.chainN).to.equal(2);
  });

  it("when a group's command fails for a reason a retry cannot mend, then every update of it is refused and it is not sent again", async () => {
    const { ids, next } = await someDocs("refused", 2);
    let calls = 0;
    const spied = spyCommands(raw, () => {
      calls += 1;
      return Promise.reject(new mongo.MongoServerError({ message: "not authorized", code: 13 }));
    });
    const group = createGroupCommit(spied as never);
    const outcomes = await Promise.allSettled(ids.map((id) => group.updateOne(id, next(id))));
    expect(calls).to.equal(1);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["rejected", "rejected"]);
    for (const id of ids) expect((await raw.findOne({ _id: id }))?.chainN).to.equal(1);
  });

  it("when the collection has a write concern, then a group's command carries it as the driver's own writes do", async () => {
    const { ids, next } = await someDocs("concern", 2);
    const withConcern = raw.db.collection<Doc>(raw.collectionName, {
      writeConcern: { w: 1, wtimeoutMS: 5_000, journal: true },
    });
    const sent: UpdateCommand[] = [];
    const spied = spyCommands(withConcern, (command, send) => {
      sent.push(command);
      return send();
    });
    const group = createGroupCommit(spied as never);
    expect(await Promise.all(ids.map((id) => group.updateOne(id, next(id))))).to.deep.equal([true, true]);
    expect(sent.map((c) => c.writeConcern)).to.deep.equal([{ w: 1, wtimeout: 5_000, j: true }]);
  });
});
