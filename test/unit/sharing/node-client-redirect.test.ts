import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { createNodeClient, generateNodeKey, TransportError } from "../../../server/sharing/index.js";

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * A signed request is signed for the URL it was sent to; a peer (or what stands in its place) that
 * answers with a redirect must not make the node send it, body and signature, somewhere else.
 */
describe("sharing: the signed client and redirects", () => {
  it("when the peer answers a redirect, then the client does not follow it and the call fails as no answer", async () => {
    const elsewhere = { hits: 0 };
    const other = await listen((_req, res) => {
      elsewhere.hits += 1;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    const peer = await listen((_req, res) => {
      res.writeHead(307, { location: `${other.url}/api/hub/v1/collection/records` }).end();
    });
    try {
      const peerKey = generateNodeKey();
      const client = createNodeClient({
        key: generateNodeKey(),
        peer: { name: "hub", url: peer.url, keyId: peerKey.keyId, publicKey: peerKey.publicKey },
        log: { append: async (entry) => entry as never },
      });
      const err = await client
        .call("POST", "/api/hub/v1/collection/records", { batchId: "b", records: [] })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(TransportError);
      expect(err).to.include({ code: "hub_unreachable" });
      expect(elsewhere.hits).to.equal(0);
    } finally {
      peer.server.close();
      other.server.close();
    }
  });
});
