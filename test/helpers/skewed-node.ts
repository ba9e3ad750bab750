import { testDatabase } from "./database.js";
import { startTestNode, type TestNode, type TestNodeOptions } from "./node.js";
import { startWireProxy } from "./wire-proxy.js";

/**
 * A whole node for the calling describe block whose database's clock reads `offsetMs` away from
 * this process's own clock (the node's "instance clock"), through the wire proxy's `skewClock`:
 * the test database runs in this process, so nothing else can set the two clocks apart. What the
 * node decides on the database's clock then differs, by `offsetMs`, from what it would decide on
 * its own. Started in `before`, stopped with its proxy in `after`; read `env.node` inside tests.
 */
export function useSkewedNode(
  offsetMs: number,
  options: Omit<TestNodeOptions, "mongoUri"> = {},
): { readonly node: TestNode } {
  const state: { node?: TestNode; stopProxy?: () => Promise<void> } = {};
  before(async () => {
    const proxy = await startWireProxy((await testDatabase()).uri);
    proxy.skewClock(offsetMs);
    state.stopProxy = () => proxy.stop();
    state.node = await startTestNode({ ...options, mongoUri: proxy.uri() });
  });
  after(async () => {
    await state.node?.stop();
    await state.stopProxy?.();
  });
  return {
    get node() {
      if (!state.node) throw new Error("the skewed node is only available inside tests");
      return state.node;
    },
  };
}
