import { expect } from "chai";
import {
  createAttemptStore,
  findBrokenLink,
  type ChainEvent,
  type Plan,
} from "../../../server/exams/index.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * The attempt store's save path decides on this instance's copy of an attempt (issue 17): whatever
 * that copy gets wrong must be decided again on a fresh read, never answered from the copy.
 */
describe("exam delivery: changes decided on this instance's copy of an attempt", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;
  /** A store of its own on the node's database: this test decides what its copies hold. */
  const aStore = () => createAttemptStore(env.node.ctx.conn, () => new Date());
  const save =
    (index: number, seq: number) =>
    (doc: { pausedAt?: Date | null }): Plan => {
      if (doc.pausedAt) throw new Error("refused: paused");
      return {
        filter: { status: "in_progress", pausedAt: null },
        set: { [`answers.${index}.choice`]: ["A"], [`answers.${index}.seq`]: seq },
        event: { type: "answer", data: { choice: ["A"], index, seq } },
      };
    };
  const chainOf = async (id: string) =>
    ((await Attempts().findById(id).lean())?.events ?? []) as ChainEvent[];

  it("when this instance's copy refuses a change that the stored attempt allows, then it is decided again on a fresh read and written", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    try {
      const store = aStore();
      const fresh = await store.load(id);
      // As after a pause that was lifted on another instance: this copy still says paused.
      store.remember({ ...fresh, pausedAt: new Date() });
      const res = await store.mutate(id, save(5, 7), { cached: true, uncast: true });
      expect(res.event?.n).to.equal(fresh.chainN + 1);
      expect((await Attempts().findById(id).lean())?.answers[5]).to.deep.include({ choice: ["A"], seq: 7 });
      expect(findBrokenLink(await chainOf(id))).to.equal(null);
    } finally {
      room.close();
    }
  });

  it("when this instance's copy is behind the stored attempt, then its update misses, is decided again on a fresh read and written once", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    try {
      const store = aStore();
      const fresh = await store.load(id);
      store.remember(fresh);
      // Another instance moves the chain head meanwhile.
      await aStore().mutate(id, save(1, 3), { uncast: true });
      const res = await store.mutate(id, save(2, 4), { cached: true, uncast: true });
      expect(res.event?.n).to.equal(fresh.chainN + 2);
      const doc = await Attempts().findById(id).lean();
      expect(doc?.answers[1]).to.deep.include({ seq: 3 });
      expect(doc?.answers[2]).to.deep.include({ seq: 4 });
      const chain = await chainOf(id);
      expect(findBrokenLink(chain)).to.equal(null);
      expect(chain.filter((e) => e.type === "answer").map((e) => e.data.seq)).to.deep.equal([3, 4]);
      // The copy kept afterwards is the attempt as written: the next cached change is decided on it.
      let seen: number | null = null;
      await store.mutate(
        id,
        (d) => {
          seen ??= d.chainN;
          return null;
        },
        { cached: true, uncast: true },
      );
      expect(seen).to.equal(doc?.chainN);
    } finally {
      room.close();
    }
  });
});
