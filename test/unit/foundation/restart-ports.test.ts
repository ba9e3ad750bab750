import { expect } from "chai";
import { createServer, type Server } from "node:net";
import { aPortToRestartOn, automaticPortRange, portsToStartOn, startAgainOn } from "../../helpers/ports.js";

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("test helpers: a port a server is restarted on", () => {
  it("when the kernel hands out ports 32768-60999 by itself, then the port chosen lies below that range and is free", async () => {
    const range = automaticPortRange(() => "32768\t60999\n");
    expect(range).to.deep.equal({ low: 32768, high: 60999 });
    for (let i = 0; i < 20; i++) {
      const port = await aPortToRestartOn(range);
      expect(port).to.be.below(32768).and.at.least(20_000);
      (await listenOn(port)).close();
    }
  });

  it("when the machine's own range is read, then a port chosen is outside it", async () => {
    const range = automaticPortRange();
    const port = await aPortToRestartOn();
    expect(port < range.low || port > range.high, `${port} in ${range.low}-${range.high}`).to.equal(true);
  });

  it("when three ports are chosen for servers a child process starts later, then they are distinct, free and below the automatic range", async () => {
    const range = automaticPortRange(() => "32768\t60999\n");
    for (let i = 0; i < 10; i++) {
      const ports = await portsToStartOn(3, range);
      expect(new Set(ports).size).to.equal(3);
      for (const port of ports) {
        expect(port).to.be.below(32768).and.at.least(20_000);
        (await listenOn(port)).close();
      }
    }
  });

  it("when another process took the port while the server was down, then the restart fails saying so", async () => {
    const port = await aPortToRestartOn();
    const squatter = await listenOn(port);
    try {
      const restart = startAgainOn(port, () => listenOn(port));
      await restart.then(
        (server) => {
          server.close();
          expect.fail("the restart should have failed");
        },
        (err: Error) => expect(err.message).to.equal(`port ${port} was taken by another process while the server was down; the restart cannot come back on it`),
      );
    } finally {
      squatter.close();
    }
  });
});
