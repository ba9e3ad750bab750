import { expect } from "chai";
import net from "node:net";
import type { Feature } from "../../../server/feature.js";
import { createFeatures } from "../../../server/features.js";
import { startNode } from "../../../server/main.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";
import { capturedLogger } from "./support/captured-log.js";

/** Reads what the server sends on `socket` until it closes the connection or `ms` pass. */
function readAll(socket: net.Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const done = () => {
      clearTimeout(timer);
      resolve(text);
    };
    const timer = setTimeout(done, ms);
    socket.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    socket.once("close", done);
  });
}

describe("operations: graceful shutdown", function () {
  this.timeout(60_000);

  it("when SIGTERM comes while a feature's stop hangs, then the node leaves rotation at once, refuses new connections, and stops within SHUTDOWN_TIMEOUT_MS naming the feature", async () => {
    let stopEntered: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => (stopEntered = resolve));
    // Like an exchange send waiting on a hub that does not answer: a stop that never ends.
    const hangs: Feature = {
      name: "hangs-on-stop",
      stop: () => {
        stopEntered();
        return new Promise<void>(() => undefined);
      },
    };
    const { logger, lines } = capturedLogger("warn");
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      SHUTDOWN_TIMEOUT_MS: "1500",
    });
    const node = await startNode(config, {
      mongoUri: (await testDatabase()).uri,
      dbName: uniqueDbName("shutdown"),
      logger,
      features: (ctx) => [...createFeatures(ctx), hangs],
    });
    await node.ctx.conn.dropDatabase();

    // A load balancer's probe already on its way: its request line is sent before the stop, its
    // end after it (a connection in the middle of a request is not idle, so it stays open).
    const probe = net.connect(node.port, "127.0.0.1");
    await new Promise((resolve) => probe.once("connect", resolve));
    probe.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await new Promise((resolve) => setTimeout(resolve, 200));

    const began = Date.now();
    const stopped = node.stop();
    await stopping;
    const answer = readAll(probe, 5000);
    probe.write("\r\n");
    expect(await answer)
      .to.match(/^HTTP\/1\.1 503/)
      .and.to.include('"code":"shutting_down"');
    const refused = await fetch(`${node.url}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused, "a new connection during the stop is refused").to.equal(true);

    await stopped;
    // One deadline for the whole stop: a deadline per phase would take twice as long at least.
    expect(Date.now() - began).to.be.below(1500 + 1500);
    const late = lines.find((l) => l.msg.includes("still stopping at the shutdown deadline"));
    expect(late?.features).to.deep.equal(["hangs-on-stop"]);
  });
});
