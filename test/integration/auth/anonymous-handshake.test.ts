import { expect } from "chai";
import { commandsDuring } from "../../helpers/commands.js";
import { connectSocket } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A handshake with no login is refused without a database read: express-session gives a request
 * without its cookie a fresh session id, which no stored login can have, and reading the store for
 * it (to tell a candidate how their sitting closed) cost anyone opening sockets a read each.
 */
describe("socket handshake without a session cookie", () => {
  const env = useTestNode({ monitorCommands: true });

  it("when a socket connects without a session cookie, then it is refused unauthenticated and the node sends no database command for it", async () => {
    const refusal = () =>
      connectSocket(env.node, null).then(
        (socket) => {
          socket.close();
          return "connected";
        },
        (err: { data?: { code?: string } }) => err.data?.code,
      );
    // The node's first handshake sets up its session store (the secret, the index): not counted.
    await refusal();
    let code: unknown;
    const commands = await commandsDuring(env.node.ctx.conn, async () => {
      code = await refusal();
    });
    expect(code).to.equal("unauthenticated");
    expect(commands).to.deep.equal([]);
  });
});
