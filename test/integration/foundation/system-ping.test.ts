import { expect } from "chai";
import type { RunningNode } from "../../../server/main.js";
import { connectSocket, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

describe("system:ping (the page's server clock)", function () {
  let node: RunningNode;
  let socket: TestSocket | null = null;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    socket?.close();
    await node.stop();
  });

  it("when a logged-in page pings, then the ack carries the server time; a payload with extra fields is refused", async () => {
    const officer = await staffAgent(node, { roles: ["officer"] });
    socket = await connectSocket(node, officer);
    const before = Date.now();
    const ack = await socket.timeout(5000).emitWithAck("system:ping", {});
    expect(ack.ok).to.equal(true);
    if (!ack.ok) return;
    expect(ack.data.serverTime).to.be.within(before - 1000, Date.now() + 1000);

    const bad = await socket
      .timeout(5000)
      .emitWithAck("system:ping", { extra: 1 } as unknown as Record<string, never>);
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(bad.error.code).to.equal("validation_failed");
  });
});
