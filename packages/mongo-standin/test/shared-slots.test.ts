import { expect } from "chai";
import { EJSON, serialize, type Document } from "bson";
import { createServerState, execute, type ServerState } from "../src/server.js";
import { Store } from "../src/storage/store.js";
import { valueKey } from "../src/storage/values.js";
import { random } from "./seeded-random.js";

/**
 * Inserted documents hold identical small array elements (an attempt's unreached answer slots)
 * once (storage/shared-slots.ts). Sharing must never show: every document reads back with the
 * bytes it was inserted with, and an update of one document leaves every other as it was.
 */
const DB = "slots";

function run(state: ServerState, command: Document): Document {
  return execute({ ...command, $db: DB }, DB, state, 1).reply;
}

/** Element variants that differ only where sharing could confuse them: order, -0, types. */
const VARIANTS: Array<() => Document> = [
  () => ({ choice: [], seq: 0, flagged: false, flagSeq: 0 }),
  () => ({ choice: [], seq: -0, flagged: false, flagSeq: 0 }),
  () => ({ seq: 0, choice: [], flagged: false, flagSeq: 0 }),
  () => ({ choice: [], flagSeq: 0, flagged: false, seq: 0 }),
  () => ({ choice: [], seq: 0, flagged: 0, flagSeq: false }),
  () => ({ choice: [], seq: 1, flagged: false, flagSeq: 0 }),
  () => ({ choice: ["A"], seq: 0, flagged: false, flagSeq: 0 }),
  () => ({ choice: [], seq: "0", flagged: null, flagSeq: 0 }),
  () => ({ choice: [], seq: 0, flagged: false }),
];

describe("mongo-standin: shared array elements of inserted documents", () => {
  it("when documents with identical answer slots are inserted, then the slots are held once", () => {
    const state = createServerState(new Store(), undefined);
    const slots = () => Array.from({ length: 10 }, () => ({ choice: [], seq: 0, flagged: false, flagSeq: 0 }));
    run(state, { insert: "a", documents: [{ _id: "x", answers: slots() }, { _id: "y", answers: slots() }] });
    const collection = state.store.collection(`${DB}.a`);
    const x = collection?.get(valueKey("x"));
    const y = collection?.get(valueKey("y"));
    expect(x?.answers[3]).to.equal(y?.answers[7]);
  });

  it("when random documents share slots and random updates apply, then each reads back as if nothing were shared (property)", () => {
    for (let seed = 1; seed <= 60; seed += 1) {
      const next = random(seed);
      const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)] as T;
      const state = createServerState(new Store(), undefined);
      const documents = Array.from({ length: 4 }, (_, d) => ({
        _id: `d${d}`,
        answers: Array.from({ length: 8 + Math.floor(next() * 6) }, () => pick(VARIANTS)()),
      }));
      // What each document must read back as: its own copy, built apart from what was inserted.
      const expected = new Map(documents.map((doc) => [doc._id, EJSON.parse(EJSON.stringify(doc, { relaxed: false }), { relaxed: false }) as Document]));
      run(state, { insert: "c", documents });
      const readBack = (id: string): Document =>
        (run(state, { find: "c", filter: { _id: id } }).cursor as Document).firstBatch[0] as Document;
      for (let step = 0; step < 12; step += 1) {
        const id = `d${Math.floor(next() * 4)}`;
        const mine = expected.get(id) as Document;
        const index = Math.floor(next() * 8);
        const kind = Math.floor(next() * 5);
        const update =
          kind === 0
            ? { $set: { [`answers.${index}.seq`]: step + 1 } }
            : kind === 1
              ? { $push: { [`answers.${index}.choice`]: "B" } }
              : kind === 2
                ? { $addToSet: { [`answers.${index}.choice`]: "C" } }
                : kind === 3
                  ? { $set: { "answers.$[].flagged": true } }
                  : { $unset: { [`answers.${index}.flagSeq`]: "" } };
        run(state, { update: "c", updates: [{ q: { _id: id }, u: update }] });
        // The same change on the expected copy, by hand.
        const answers = mine.answers as Document[];
        const slot = answers[index] as Document;
        if (kind === 0) slot.seq = step + 1;
        else if (kind === 1) (slot.choice as string[]).push("B");
        else if (kind === 2 && !(slot.choice as string[]).includes("C")) (slot.choice as string[]).push("C");
        else if (kind === 3) for (const each of answers) each.flagged = true;
        else if (kind === 4) delete slot.flagSeq;
        for (const doc of documents) {
          const want = expected.get(doc._id) as Document;
          expect(Buffer.from(serialize(readBack(doc._id))).equals(serialize(want)), `seed ${seed} step ${step} ${doc._id} after ${JSON.stringify(update)} on ${id}`).to.equal(true);
        }
      }
    }
  });
});
