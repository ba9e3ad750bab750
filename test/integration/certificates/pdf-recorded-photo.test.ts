import { expect } from "chai";
import { anIssuedCertificate, useCertNode } from "./fixtures-nodes.js";
import { anotherInstance, officer } from "./support.js";

/**
 * The certificate prints the photo it was issued with (the record's photoId), as its data were
 * fixed at issue: a registration photo replaced since (a correction, a reopened registration)
 * belongs to the registration, not to a certificate already issued.
 */
describe("the photo on a certificate's PDF", function () {
  this.timeout(60_000);
  const cert = useCertNode();

  it("when the registration's photo has been replaced since issue, then the PDF asks for the photo the certificate recorded, not the registration's current one", async () => {
    const { node } = cert;
    const { pass } = await anIssuedCertificate(node, anotherInstance(node));
    const recorded = await node.ctx.conn
      .collection<{ photoId: string | null }>("certificates")
      .findOne({ certificateNo: pass.idNumber });
    expect(recorded?.photoId).to.be.a("string");

    const asked: string[] = [];
    const printing = anotherInstance(node, undefined, undefined, undefined, {
      candidates: {
        getCandidatePhoto: (id) => {
          asked.push(`registration's current photo of ${id}`);
          return Promise.resolve(null);
        },
        getPhoto: (id) => {
          asked.push(`photo ${id}`);
          return Promise.resolve(null);
        },
      },
    });
    const pdf = await printing.facade.certificatePdf(officer, pass.idNumber);
    expect(pdf.subarray(0, 5).toString("latin1")).to.equal("%PDF-");
    expect(asked).to.deep.equal([`photo ${recorded?.photoId}`]);
  });
});
