import { expect } from "chai";
import type { Connection } from "mongoose";
import { connectMongo } from "../../../server/lib/mongo.js";
import { createNonceStore } from "../../../server/sharing/index.js";
import { commandsDuring } from "../../helpers/commands.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";

/**
 * The nonce store under concurrent requests: reservations and kept answers of requests in flight
 * together share one write (group commit), and each request still gets its own verdict: new,
 * in progress, reused under another signature, or the stored answer for a replay.
 */
describe("nonce store: grouped reservations and answers", () => {
  let conn: Connection;
  before(async () => {
    conn = await connectMongo((await testDatabase()).uri, {
      dbName: uniqueDbName("nonce"),
      monitorCommands: true,
    });
    // The unique (keyId, nonce) index must exist before racing inserts rely on it.
    createNonceStore(conn, { keepSeconds: 600 });
    await conn.model("NodeNonce").init();
  });
  after(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it("when 30 requests reserve and answer at once, then a few inserts and updates carry them all, and each replay gets its own answer", async () => {
    const store = createNonceStore(conn, { keepSeconds: 600 });
    await store.reserve("k1", "warm-up", "s");
    const nonces = Array.from({ length: 30 }, (_, i) => `n-${i}`);
    let reserved: Awaited<ReturnType<typeof store.reserve>>[] = [];
    const reserving = await commandsDuring(conn, async () => {
      reserved = await Promise.all(nonces.map((n) => store.reserve("k1", n, `sig-${n}`)));
    });
    expect(reserved.every((r) => r.kind === "new")).to.equal(true);
    expect(reserving.filter((c) => c === "insert node_nonces").length).to.be.at.most(3);

    const answering = await commandsDuring(conn, () =>
      Promise.all(
        nonces.map((n) => store.complete("k1", n, { status: 200, body: `{"n":"${n}"}`, headers: { a: n } })),
      ),
    );
    expect(answering.filter((c) => c === "update node_nonces").length).to.be.at.most(3);
    for (const n of nonces)
      expect(await store.reserve("k1", n, `sig-${n}`)).to.deep.equal({
        kind: "replay",
        status: 200,
        body: `{"n":"${n}"}`,
        headers: { a: n },
      });
  });

  it("when a nonce comes twice in one group and once under another signature, then the first is new, the repeat is in progress, and the other signature is refused as reused", async () => {
    const store = createNonceStore(conn, { keepSeconds: 600 });
    const [first, repeat, forged, other] = await Promise.all([
      store.reserve("k2", "same", "sig-a"),
      store.reserve("k2", "same", "sig-a"),
      store.reserve("k2", "same", "sig-b"),
      store.reserve("k2", "different", "sig-c"),
    ]);
    expect(first).to.deep.equal({ kind: "new" });
    expect(repeat).to.deep.equal({ kind: "in_progress" });
    expect(forged).to.deep.equal({ kind: "reused" });
    expect(other).to.deep.equal({ kind: "new" });
  });
});
