import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import { createRegistrationService } from "../../../server/registration/index.js";
import { registerTestCandidate } from "../../helpers/auth.js";
import { anIssuedCertificate, useCertNode } from "./fixtures-nodes.js";
import { anotherInstance, officer } from "./support.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** A photo as registration takes one (JPEG magic numbers, distinct bytes). */
const aPhoto = () => ({
  mimeType: "image/jpeg" as const,
  dataBase64: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(60)]).toString("base64"),
});

/**
 * A certificate prints the photo it recorded at issue, so a reprint is the same document: nothing
 * that changes a registration's photo may remove that one. Replacing the photo keeps the earlier
 * one (photo-update.ts), withdrawing a registration keeps its records, and registering the person
 * again reopens the registration with a new photo beside the old. (No path deletes a
 * registration photo; this pins it for every path that could.)
 */
describe("the recorded photo of an issued certificate survives the registration's photo changes", function () {
  this.timeout(60_000);
  const env = useCertNode();

  it("when the registration's photo is replaced, the registration withdrawn and registered again with another photo, then a reprint still prints the photo recorded at issue", async () => {
    const { node } = env;
    const { pass } = await anIssuedCertificate(node, anotherInstance(node));
    const { conn, config } = node.ctx;
    const recordedId = (
      await conn
        .collection<{ photoId: string | null }>("certificates")
        .findOne({ certificateNo: pass.idNumber })
    )?.photoId;
    if (!recordedId) throw new Error("the certificate recorded no photo");
    const registration = createRegistrationService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
    });
    const original = await registration.getPhoto(recordedId);
    if (!original) throw new Error("fixture: the recorded photo is not stored");

    await registration.replacePhoto(officer, pass.candidateId, aPhoto());
    await registration.withdraw(officer, pass.candidateId, "考生申请撤销");
    const reopened = await registerTestCandidate(node, { idNumber: pass.idNumber, name: pass.name });
    expect(reopened.id).to.equal(pass.candidateId);
    expect(reopened.photoId).to.not.equal(recordedId);

    const printed: (string | null)[] = [];
    const printing = anotherInstance(node, undefined, undefined, undefined, {
      candidates: {
        getPhoto: async (id) => {
          const photo = await registration.getPhoto(id);
          printed.push(photo ? sha256(photo.data) : null);
          return photo;
        },
      },
    });
    const pdf = await printing.facade.certificatePdf(officer, pass.idNumber);
    expect(pdf.subarray(0, 5).toString("latin1")).to.equal("%PDF-");
    expect(printed).to.deep.equal([sha256(original.data)]);
  });
});
