import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect } from "chai";
import { createNodeClient, generateNodeKey, TransportError } from "../../../server/sharing/index.js";
import { MAX_PEER_ANSWER_BYTES } from "../../../server/sharing/node-client.js";

// A garbage collection in the middle of the exchange is what lost the timeout (nodejs/node#57736).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("sharing: the signed client's deadline", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // A peer that accepts the request and never answers.
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("when the peer never answers and memory is collected meanwhile, then every call with a caller's signal still ends at its deadline as unreachable", async function () {
    this.timeout(20_000);
    const peerKey = generateNodeKey();
    const logged: string[] = [];
    const client = createNodeClient({
      key: generateNodeKey(),
      peer: { name: "hub", url, keyId: peerKey.keyId, publicKey: peerKey.publicKey },
      log: { append: async (entry) => { logged.push(entry.code ?? ""); return entry as never; } },
      timeoutMs: 300,
    });
    const shutdown = new AbortController();
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      const call = client.call("GET", "/api/hub/v1/exchange/inbox?after=0&limit=1", undefined, shutdown.signal).then(
        () => "answered",
        (err: unknown) => (err instanceof TransportError ? err.code : String(err)),
      );
      setTimeout(collectGarbage, 50);
      // Far past the 300 ms deadline: a call still pending then never ends.
      outcomes.push(await Promise.race([call, new Promise((r) => setTimeout(() => r("still pending"), 3_000))]));
    }
    expect(outcomes).to.deep.equal(Array(5).fill("hub_unreachable"));
    expect(logged).to.deep.equal(Array(5).fill("unreachable"));
  });

  it("when the caller aborts a waiting call, then it ends at once as unreachable", async () => {
    const peerKey = generateNodeKey();
    const client = createNodeClient({
      key: generateNodeKey(),
      peer: { name: "hub", url, keyId: peerKey.keyId, publicKey: peerKey.publicKey },
      log: { append: async (entry) => entry as never },
    });
    const shutdown = new AbortController();
    const call = client.call("GET", "/api/hub/v1/exchange/inbox?after=0&limit=1&wait=10000", undefined, shutdown.signal);
    setTimeout(() => shutdown.abort(), 50);
    const err = await call.then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as TransportError).code).to.equal("hub_unreachable");
  });
});

describe("sharing: the signed client's bound on an answer", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // A broken or hostile peer: an answer larger than any the interface gives, streamed without
    // a length (`/stream`) or declaring its length first (`/declared`).
    server = createServer((req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const total = MAX_PEER_ANSWER_BYTES + chunk.length;
      let sent = 0;
      res.writeHead(200, req.url === "/declared" ? { "content-length": String(total) } : {});
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("when the peer's answer is larger than the bound, streamed or declared, then the call fails peer_answer_too_large and is logged so", async () => {
    const peerKey = generateNodeKey();
    const logged: string[] = [];
    const client = createNodeClient({
      key: generateNodeKey(),
      peer: { name: "hub", url, keyId: peerKey.keyId, publicKey: peerKey.publicKey },
      log: { append: async (entry) => { logged.push(entry.code ?? ""); return entry as never; } },
    });
    for (const path of ["/stream", "/declared"]) {
      const err = await client.call("GET", path).then(() => null, (e: unknown) => e);
      expect(err, path).to.be.instanceOf(TransportError);
      expect((err as TransportError).code, path).to.equal("peer_answer_too_large");
      expect((err as TransportError).message, path).to.include("MB");
    }
    expect(logged).to.deep.equal(["peer_answer_too_large", "peer_answer_too_large"]);
  });
});
