import { expect } from "chai";
import type { Connection } from "mongoose";
import { loadStatusList } from "../../../server/certificates/index.js";
import { createSigningService } from "../../../server/certificates/signing.service.js";
import { startCertNode, type TestNode } from "./support.js";

/**
 * The node's status list is dated by the database's clock (so the hub orders lists by what they
 * saw). Its signing key must be the one in use at that date: an instance whose clock is behind the
 * database's, near a certificate key's switch, must not sign with the old key a list dated after
 * that key's end, which no verifier accepts.
 */
describe("the node's status list signed near a certificate key's switch, on an instance behind the database", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());

  /** The node's connection, but the database's clock (its `hello` localTime) reads `at`. */
  function withDatabaseTime(at: Date): Connection {
    const conn = Object.create(node.ctx.conn) as Connection;
    const hello = { localTime: at };
    conn.getClient = (() => ({ db: () => ({ command: () => Promise.resolve(hello) }) })) as never;
    return conn;
  }

  it("when the database's time is past the switch and the instance's is not, then the list is signed by the new key and verifies", async () => {
    const { provinceCode, certificates, timeZone } = node.ctx.config;
    const signingOn = (conn: Connection) =>
      createSigningService(conn, {
        provinceCode: provinceCode ?? "",
        suite: certificates.suite,
        keysDir: certificates.keysDir,
        trustDemo: false,
        peers: [],
        logger: node.ctx.logger,
        timeZone,
      });
    // The switch 30 minutes from now; the database's clock an hour ahead of this instance's.
    const next = await signingOn(node.ctx.conn).rotate("certificate", { leadMs: 30 * 60_000 });
    const signing = signingOn(withDatabaseTime(new Date(Date.now() + 60 * 60_000)));

    const doc = await signing.statusListDocument({ fresh: true });
    expect(doc.signer.kid).to.equal(next);
    const trust = await signing.trustListDocument();
    const keys = (JSON.parse(Buffer.from(trust.payload, "base64url").toString("utf8")) as { keys: [] }).keys;
    expect(loadStatusList(doc, keys)).to.not.equal(null);
  });
});
