import { expect } from "chai";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { spawnExamNode, type ChildNode } from "./support/child.js";

/**
 * The exam node in its own process (restart and two-instance tests) starts through tsx, which took
 * over a minute at load 20-28 (flake hunt: "before all" of the two-instance suite failed). Its
 * start is waited for until it says READY or exits; the calling test's timeout bounds the wait,
 * not a wall-clock guess of the helper's own.
 */
describe("exam node in its own process: start", function () {
  this.timeout(240_000);
  let node: ChildNode | null = null;
  after(async () => {
    await node?.stop();
  });

  it("when the node starts later than any fixed wait of the helper would allow, then spawning still waits for it", async () => {
    const db = await testDatabase();
    // Every wait of a minute or more that the spawn sets up elapses at once, so the child starts
    // "late" whatever the machine's load (fast-forwarding the clock rather than waiting it out).
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) =>
      realSetTimeout(fn, (ms ?? 0) >= 60_000 ? 0 : ms)) as typeof setTimeout;
    let starting: Promise<ChildNode>;
    try {
      starting = spawnExamNode({ MONGODB_URI: db.uri, EXAM_DB_NAME: uniqueDbName("child") });
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    node = await starting;
    expect(node.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("when the node exits before it is ready, then spawning fails with what it wrote to stderr", async () => {
    const failed = await spawnExamNode({ MONGODB_URI: "not-a-mongodb-uri", EXAM_DB_NAME: uniqueDbName("child") }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).to.be.instanceOf(Error);
    expect((failed as Error).message).to.match(/^exam node exited with \d+: [\s\S]+/);
  });
});
