import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { verifyQrText } from "../../../server/certificates/index.js";
import { startTestNode } from "../../helpers/node.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";
import { nationalTrustList, startTestHub, type TestHub } from "../hub/support.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  hubListsKeysOf,
  issueError,
  pendingIssuanceOf,
} from "./support.js";

/**
 * A node's first certificate key, when the hub's operator registers the node without keys (as the
 * hub's node page does): the hub learns the key from the node's first push and vouches for it from
 * then on, so nothing the key sealed before then verifies in any other province.
 */
describe("a node's first certificate key and the hub's list", function () {
  this.timeout(120_000);
  let hub: TestHub;

  before(async function () {
    this.timeout(180_000);
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.node.stop();
  });

  const nationalList = () => nationalTrustList(hub);

  it("when a node issues before the hub lists its first key, then issuance is refused signing_key_not_at_hub and leaves nothing; once the hub (registered without keys) lists it, the same issuance goes through and verifies against the hub's list", async () => {
    const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
    const province = await startTestNode({
      provinceCode: "320000",
      env: {
        HUB_URL: hub.node.url,
        HUB_PUBLIC_KEY: hub.identity.publicKey,
        NODE_KEY_DIR: temp("roadcert-nodekey-"),
        CERT_KEYS_DIR: temp("roadcert-certkeys-"),
        CERT_TRUST_DEMO: "false",
      },
    });
    try {
      const inst = anotherInstance(province);
      const pass = await aPass(province);
      const pending = await pendingIssuanceOf(inst, pass);
      // The hub does not know the node yet: a certificate sealed now would fail everywhere else.
      expect(await issueError(inst, pending)).to.include({ code: "signing_key_not_at_hub", status: 409 });
      await expectNothingIssued(province, pass);

      // The operator registers the node as the hub's page does: its node key, no certificate keys.
      const identity = (await (await fetch(`${province.url}/api/sharing/identity`)).json()) as {
        publicKey: string;
      };
      await hub.registry.register({ provinceCode: "320000", name: "江苏", nodeKey: identity.publicKey });
      // The node's next push (its retry after the hub refused it as unknown) announces the key; the
      // node keeps the hub's answer, and issuing waits for it.
      await hubListsKeysOf(province);
      const first = (
        await province.ctx.conn
          .collection<{ kid: string; purpose: string }>("certificate_keys")
          .findOne({ purpose: "certificate" })
      )?.kid;
      expect((await nationalList()).body.keys.map((k) => k.kid)).to.include(first);
      expect(await issueError(inst, pending)).to.equal(undefined);
      const doc = await province.ctx.conn
        .collection<{ signature: { qr: string; kid: string } }>("certificates")
        .findOne({ certificateNo: pass.idNumber });
      if (!doc) throw new Error("no certificate");
      expect(doc.signature.kid).to.equal(first);
      expect(
        verifyQrText(
          doc.signature.qr,
          { lists: [await nationalList()], timeZone: NODE_TIME_ZONE },
          new Date(),
        ).code,
      ).to.equal("valid");
    } finally {
      await province.stop();
    }
  });
});
