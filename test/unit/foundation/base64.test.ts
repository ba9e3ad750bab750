import { expect } from "chai";
import fc from "fast-check";
import { decodeBase64 } from "../../../server/lib/base64.js";
import { AppError } from "../../../server/lib/errors.js";

function refusal(text: string): string | null {
  try {
    decodeBase64(text, "照片");
    return null;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).status).to.equal(400);
    return (err as AppError).code;
  }
}

describe("the shared strict base64 decoder (server/lib/base64.ts)", () => {
  it("when the text is canonical base64, then it decodes to the bytes that were encoded", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const data = Buffer.from(bytes);
        expect(decodeBase64(data.toString("base64"), "照片").equals(data)).to.equal(true);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it("when the text has a stray character, whitespace, base64url letters, wrong padding or non-zero trailing bits, then it is refused with invalid_base64", () => {
    // Each of these Node's Buffer.from(…, "base64") decodes without complaint.
    const bad = {
      "a character outside the alphabet": "QUJD*REVG",
      "a line break": "QUJD\nREVG",
      "a space": "QUJD REVG",
      "base64url's - and _": "-_-_",
      "padding missing": "QUI",
      "padding too long": "QUI==",
      "padding in the middle": "QQ==QUJD",
      "non-zero trailing bits": "QR==",
      "only padding": "====",
    };
    for (const [fault, text] of Object.entries(bad)) expect(refusal(text), fault).to.equal("invalid_base64");
  });
});
