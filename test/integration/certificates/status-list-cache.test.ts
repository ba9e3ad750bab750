import { expect } from "chai";
import { getStatusBits } from "../../../server/certificates/index.js";
import { statusCapacityModel } from "../../../server/certificates/certificate.model.js";
import { anIssuedCertificate, useCertNode } from "./fixtures-nodes.js";
import { anotherInstance, officer } from "./support.js";

/**
 * The node keeps the status list it built for a few seconds; a status change forgets it. A build
 * that read the certificates before a revocation committed, and finished after the revocation
 * forgot the cache, must not put its list (without the revocation) back into the cache.
 */
describe("the node's status list cache and a revocation during a build", function () {
  this.timeout(60_000);
  const cert = useCertNode();

  /**
   * Runs `hook` once, right after the next read of the status-list capacity resolves: the build
   * reads it after the certificates, so what `hook` commits is missing from that build's list.
   */
  function afterNextCapacityRead(hook: () => Promise<void>): () => void {
    const Capacity = statusCapacityModel(cert.node.ctx.conn);
    // The model's own property, if any (else it inherits findOne from Model), to put back after.
    const own = Object.getOwnPropertyDescriptor(Capacity, "findOne");
    const restore = () => {
      if (own) Object.defineProperty(Capacity, "findOne", own);
      else Reflect.deleteProperty(Capacity, "findOne");
    };
    const findOne = Capacity.findOne.bind(Capacity);
    Capacity.findOne = ((...args: Parameters<typeof findOne>) => {
      const query = findOne(...args);
      const exec = query.exec.bind(query);
      query.exec = (async () => {
        const found = await exec();
        restore();
        await hook();
        return found;
      }) as typeof query.exec;
      return query;
    }) as typeof findOne;
    return restore;
  }

  it("when a certificate is revoked while a status-list build runs, then the next list the instance serves marks it revoked", async () => {
    const { node } = cert;
    const inst = anotherInstance(node);
    const { pass, record } = await anIssuedCertificate(node, inst);
    const restore = afterNextCapacityRead(async () => {
      await inst.facade.lifecycle.changeStatus(officer, pass.idNumber, "revoke", {
        reason: "以欺骗手段取得",
      });
    });
    try {
      await inst.facade.signing.statusListDocument({ fresh: true });
    } finally {
      restore();
    }
    expect(
      (await node.ctx.conn.collection("certificates").findOne({ certificateNo: pass.idNumber }))?.status,
    ).to.equal("revoked");

    const served = (await inst.facade.signing.trustContext()).statusLists?.get(record.provinceCode);
    expect(served && getStatusBits(served.bits, record.statusIndex)).to.equal("revoked");
  });
});
