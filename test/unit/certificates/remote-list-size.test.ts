import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildStatusList, createSigner, emptyStatusBits } from "../../../server/certificates/index.js";
import { MAX_LIST_BYTES, createRemoteLists } from "../../../server/certificates/remote-lists.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aProvinceKey, aTrustList, memoryListMarks } from "./trust-fixtures.js";

const NOW = new Date("2026-06-01T03:00:00Z");

/**
 * A list fetched from a peer or the hub is read only up to a bound: whoever answers the fetch (a
 * broken peer, a proxy) could otherwise stream hundreds of megabytes within the timeout, all held in
 * memory. Past the bound the fetch fails as an unreachable list does.
 */
describe("signed lists a verifier fetches from others: size bound", () => {
  const jiangsu = aProvinceKey("ed25519", "320000");
  const { list: national } = aTrustList([jiangsu.entry], { now: NOW });
  const listText = JSON.stringify(
    buildStatusList(
      { provinceCode: "320000", bits: emptyStatusBits(), now: NOW, validForSeconds: 86_400 },
      { kid: jiangsu.kid, signer: createSigner(jiangsu.pair) },
    ),
  );
  // Still the signed list, still valid JSON: only its size is wrong.
  const padded = `${listText}${" ".repeat(MAX_LIST_BYTES)}`;
  let servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
  });

  /** Serves `body` for every path: with its length declared, or streamed in chunks without one. */
  async function aServer(body: string, how: "declared" | "streamed"): Promise<string> {
    const server = createServer((_req, res) => {
      if (how === "declared") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = 256 * 1024;
      let at = 0;
      const next = () => {
        while (at < body.length) {
          const part = body.slice(at, at + chunk);
          at += chunk;
          if (!res.write(part)) return void res.once("drain", next);
        }
        res.end();
      };
      res.on("error", () => undefined);
      next();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const remote = () =>
    createRemoteLists({
      logger: createLogger({ level: "silent" }),
      clock: () => NOW,
      refreshMs: 0,
      marks: memoryListMarks(),
    });

  it("when the hub's copy of a status list is within the bound, then it is read", async () => {
    const url = await aServer(listText, "declared");
    expect((await remote().hubStatusList({ url }, national, "320000"))?.body.provinceCode).to.equal("320000");
  });

  it("when the hub answers with a status list past the bound, declared or streamed, then it is not read and no list is had from it", async () => {
    for (const how of ["declared", "streamed"] as const) {
      const url = await aServer(padded, how);
      expect(await remote().hubStatusList({ url }, national, "320000"), how).to.equal(null);
    }
  });
});
