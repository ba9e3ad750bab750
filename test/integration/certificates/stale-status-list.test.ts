import { expect } from "chai";
import type { Server } from "node:http";
import { formatShown } from "../../../server/lib/local-time.js";
import { aFakePeer, aPublishedProvince } from "../../unit/certificates/trust-fixtures.js";
import { anIssuedCertificate, useCertNode, verifyAt } from "./fixtures-nodes.js";
import { anotherInstance, officer, startCertNode, type TestNode } from "./support.js";

const MINUTE = 60_000;

/**
 * Another province's status list is valid for a day but meant to be fetched again after its ttl
 * (5 minutes). A copy older than that (江苏's node unreachable, or its pushes not reaching the hub)
 * may predate a revocation: 北京 says so beside the verdict instead of a bare 证书真实有效.
 */
describe("verifying another province's certificate on a status list older than its ttl", function () {
  this.timeout(60_000);
  const generatedAt = new Date(Date.now() - 40 * MINUTE);
  const jiangsu = aPublishedProvince("320000", { name: "江苏", statusListMadeAt: generatedAt });
  let beijing: TestNode;
  let peer: Server;

  before(async () => {
    const fake = await aFakePeer(jiangsu.docs);
    peer = fake.server;
    beijing = await startCertNode({
      PROVINCE_CODE: "110000",
      CERT_PEERS: `320000=${fake.url}`,
      CERT_PEER_ANCHORS: `320000=${jiangsu.anchor.publicKey}`,
    });
  });
  after(async () => {
    await beijing?.stop();
    await new Promise((resolve) => peer?.close(resolve));
  });

  it("when 江苏's list was generated 40 minutes ago, then 北京 answers valid with a stale-list warning (code status_list_stale) giving the status time in its zone", async () => {
    const verdict = await verifyAt(beijing, jiangsu.qr);
    expect(verdict).to.deep.include({ ok: true, authentic: true, code: "valid" });
    expect(verdict.status?.state).to.equal("valid");
    expect(verdict.warningCodes).to.deep.equal(["status_list_stale"]);
    expect(verdict.warnings[0]).to.contain(
      `状态截至 ${formatShown(generatedAt.toISOString(), beijing.ctx.config.timeZone)}`,
    );
  });
});

describe("verifying the node's own certificate while its own cached status list is past its ttl", function () {
  this.timeout(60_000);
  const cert = useCertNode();

  it("when the registry gives the status, then no stale-list warning is added (the registry's status is current)", async () => {
    let now = new Date();
    const inst = anotherInstance(cert.node, () => now);
    const { record } = await anIssuedCertificate(cert.node, inst);
    const qr = (await inst.facade.lifecycle.get(officer, record.certificateNo)).signature!.qr;
    // The own list is cached a few seconds: built at `now`, it is 10 minutes old by the next verdict.
    await inst.facade.verifyText(qr);
    now = new Date(now.getTime() + 10 * MINUTE);
    const verdict = await inst.facade.verifyText(qr);
    expect(verdict).to.deep.include({ ok: true, code: "valid", warnings: [], warningCodes: [] });
    expect(verdict.status?.source).to.equal("registry");
  });
});
