import { expect } from "chai";
import type { ChangesPage } from "../../../server/contracts/hub.js";
import { createMessageLog, createNodeClient, generateNodeKey, TransportError, type NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { startTestHub, type TestHub } from "./support.js";

/**
 * Issue 12: the hub keeps node keys between requests (reading a node's document for every message
 * was a share of its CPU), but a retired key or a suspended node must be refused at once on every
 * hub instance, not after some time to live. Two instances share one database; the operator's
 * change is made through a third registry (as another instance's operator page would).
 */
describe("hub node keys kept between requests", () => {
  const provinceDb = useTestDatabase("prov_keys");
  let hub: TestHub;
  let second: TestHub;

  before(async () => {
    hub = await startTestHub();
    second = await startTestHub({ NODE_KEY_DIR: hub.keyDir }, { shareDatabase: hub.node.dbName });
  });
  after(async () => {
    await second.node.stop();
    await hub.node.stop();
  });

  /** A province registered with a fresh key, and its clients to both instances. */
  async function aProvince(provinceCode: string) {
    const key = generateNodeKey();
    await hub.registry.register({ provinceCode, name: provinceCode, nodeKey: key.publicKeyX, certificateKeys: [] });
    const log = createMessageLog(provinceDb.conn);
    return {
      key,
      a: createNodeClient({ key, peer: hub.peer, log }),
      b: createNodeClient({ key, peer: second.peer, log }),
    };
  }
  /**
   * The hub's answer, or the unsigned refusal the client met: a key the hub no longer holds is
   * refused unsigned (its signature could not be verified) unless the instance still kept it.
   */
  const ask = (client: NodeClient): Promise<{ status: number; rawBody: string }> =>
    client.call<ChangesPage>("GET", "/api/hub/v1/catalog/changes?after=0").catch((err: unknown) => {
      if (!(err instanceof TransportError) || !err.refusal) throw err;
      return { status: err.refusal.status, rawBody: JSON.stringify({ error: { code: err.refusal.code } }) };
    });
  /**
   * Nonces of this key still claimed: a known key's nonce is claimed while the registry is read,
   * and a refused message must give its claim back (else the same message, resent once the node is
   * reactivated, would be answered 409 until the claim expired).
   */
  const claimedNonces = (keyId: string) =>
    hub.node.ctx.conn.collection("node_nonces").countDocuments({ keyId, state: "processing" });

  it("when a province's node key is replaced on one instance, then the old key is refused at once on both, and the new one accepted", async () => {
    const old = await aProvince("320000");
    // Both instances have used the key (and keep it).
    expect((await ask(old.a)).status).to.equal(200);
    expect((await ask(old.b)).status).to.equal(200);
    const fresh = generateNodeKey();
    await hub.registry.register({ provinceCode: "320000", name: "320000", nodeKey: fresh.publicKeyX, certificateKeys: [] });

    for (const client of [old.a, old.b]) {
      const refused = await ask(client);
      expect(refused.status).to.equal(401);
      expect(refused.rawBody).to.contain("unknown_key");
    }
    expect(await claimedNonces(old.key.keyId)).to.equal(0);
    const log = createMessageLog(provinceDb.conn);
    expect((await ask(createNodeClient({ key: fresh, peer: second.peer, log }))).status).to.equal(200);
  });

  it("when a node is suspended on one instance, then both instances refuse it at once, and accept it again once reactivated", async () => {
    const p = await aProvince("110000");
    expect((await ask(p.a)).status).to.equal(200);
    expect((await ask(p.b)).status).to.equal(200);
    await hub.registry.setStatus("110000", "suspended");
    for (const client of [p.a, p.b]) {
      const refused = await ask(client);
      expect(refused.status).to.equal(403);
      expect(refused.rawBody).to.contain("node_suspended");
    }
    expect(await claimedNonces(p.key.keyId)).to.equal(0);
    await hub.registry.setStatus("110000", "active");
    expect((await ask(p.b)).status).to.equal(200);
  });

  it("when the operator registers a province's retired key again, then it is refused as retired and the current key keeps working", async () => {
    const p = await aProvince("510000");
    const current = generateNodeKey();
    await hub.registry.register({ provinceCode: "510000", name: "510000", nodeKey: current.publicKeyX, certificateKeys: [] });
    const log = createMessageLog(provinceDb.conn);
    const withCurrent = createNodeClient({ key: current, peer: hub.peer, log });
    expect((await ask(withCurrent)).status).to.equal(200);
    const before = await hub.registry.list();
    try {
      await hub.registry.register({ provinceCode: "510000", name: "510000", nodeKey: p.key.publicKeyX, certificateKeys: [] });
      expect.fail("a retired key was registered again");
    } catch (err) {
      expect(err).to.include({ code: "node_key_retired", status: 409 });
    }
    expect(await hub.registry.list()).to.deep.equal(before);
    expect((await ask(withCurrent)).status).to.equal(200);
    expect((await ask(p.a)).status).to.equal(401);
    // The current key registered again (a name or certificate keys changed) is no rotation.
    await hub.registry.register({ provinceCode: "510000", name: "四川", nodeKey: current.publicKeyX, certificateKeys: [] });
    expect((await ask(createNodeClient({ key: current, peer: second.peer, log }))).status).to.equal(200);
  });

  it("when a province's key is replaced and another province then registers that new key, then it is refused as in use", async () => {
    await aProvince("440000");
    const replaced = generateNodeKey();
    await hub.registry.register({ provinceCode: "440000", name: "440000", nodeKey: replaced.publicKeyX, certificateKeys: [] });
    try {
      await hub.registry.register({ provinceCode: "450000", name: "450000", nodeKey: replaced.publicKeyX, certificateKeys: [] });
      expect.fail("two provinces hold one node key");
    } catch (err) {
      expect(err).to.have.property("code", "node_key_in_use");
    }
  });
});
