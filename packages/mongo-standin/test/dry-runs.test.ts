import { expect } from "chai";
import { Long, UUID, type Document } from "bson";
import { createServerState, execute, type Executed, type ServerState } from "../src/server.js";
import { Store } from "../src/storage/store.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * A write outside transactions that may change several documents is first run without changing
 * anything (a dry run), to find a write that must wait for an open transaction before any document
 * changed (dry-run.ts). It costs a second run, so it is made only when an open transaction has
 * written a collection the command writes: only those can make a write wait.
 */
const DB = "dryruns";

function run(state: ServerState, command: Document): Executed {
  return execute({ ...command, $db: DB }, DB, state, 1);
}

/** A state with documents 1..3 in collections `a` and `b`, and a transaction that updated `a` 1. */
function stateWithTransactionOnA(): ServerState {
  const state = createServerState(new Store(), undefined);
  for (const coll of ["a", "b"])
    run(state, { insert: coll, documents: [1, 2, 3].map((n) => ({ _id: n, v: 0 })) });
  const opened = run(state, {
    update: "a",
    updates: [{ q: { _id: 1 }, u: { $set: { v: 1 } } }],
    lsid: { id: new UUID() },
    txnNumber: Long.fromNumber(1),
    startTransaction: true,
    autocommit: false,
  });
  expect(opened.reply.ok).to.equal(1);
  return state;
}

describe("mongo-standin: dry runs of writes outside transactions", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "runs the stand-in's command loop in-process");
  });

  it("when an open transaction has written only collection a, then an updateMany on b runs once, without a dry run", () => {
    const state = stateWithTransactionOnA();
    const before = state.dryRuns;
    const result = run(state, { update: "b", updates: [{ q: {}, u: { $inc: { v: 10 } }, multi: true }] });
    expect(result.waitFor).to.equal(undefined);
    expect(result.reply.nModified).to.equal(3);
    expect(state.dryRuns - before).to.equal(0);
  });

  it("when an open transaction has written only collection a, then a deleteMany on b runs without a dry run", () => {
    const state = stateWithTransactionOnA();
    const before = state.dryRuns;
    const result = run(state, { delete: "b", deletes: [{ q: {}, limit: 0 }] });
    expect(result.reply.n).to.equal(3);
    expect(state.dryRuns - before).to.equal(0);
  });

  it("when an open transaction has written collection a, then an updateMany on a is dry-run first and waits, changing nothing", () => {
    const state = stateWithTransactionOnA();
    const before = state.dryRuns;
    const result = run(state, { update: "a", updates: [{ q: {}, u: { $inc: { v: 10 } }, multi: true }] });
    expect(state.dryRuns - before).to.equal(1);
    expect(result.waitFor?.state).to.equal("active");
    const docs = run(state, { find: "a", filter: {}, sort: { _id: 1 } }).reply.cursor as Document;
    expect((docs.firstBatch as Document[]).map((doc) => doc.v as number)).to.deep.equal([0, 0, 0]);
  });

  it("when an open transaction has written collection a, then a $merge into a is dry-run first, and one into b is not", () => {
    const state = stateWithTransactionOnA();
    const before = state.dryRuns;
    const intoB = run(state, { aggregate: "a", pipeline: [{ $merge: { into: "b" } }], cursor: {} });
    expect(intoB.reply.ok).to.equal(1);
    expect(state.dryRuns - before).to.equal(0);
    const intoA = run(state, {
      aggregate: "b",
      pipeline: [{ $merge: { into: { db: DB, coll: "a" } } }],
      cursor: {},
    });
    expect(state.dryRuns - before).to.equal(1);
    expect(intoA.waitFor?.state).to.equal("active");
  });

  it("when no transaction is open, then an updateMany runs without a dry run", () => {
    const state = createServerState(new Store(), undefined);
    run(state, { insert: "a", documents: [{ _id: 1 }, { _id: 2 }] });
    run(state, { update: "a", updates: [{ q: {}, u: { $set: { v: 1 } }, multi: true }] });
    expect(state.dryRuns).to.equal(0);
  });
});
