import { expect } from "chai";
import sharp from "sharp";
import { demoPhotoPngBase64 } from "../../../scripts/demo-photo.js";
import { decodePhoto } from "../../../server/registration/photo.js";

describe("the demo candidates' registration photo", () => {
  it("when the demo registers a candidate, then the photo is an ID-photo-sized PNG that registration accepts and that is not one flat colour", async () => {
    const png = decodePhoto("image/png", await demoPhotoPngBase64());
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).to.deep.equal(["png", 260, 320]);
    // The earlier 1 × 1 "grey" pixel was black: the check-in dialog and the certificate showed a
    // black square. A drawn silhouette has a light background and a darker figure.
    const { channels } = await sharp(png).stats();
    const red = channels[0]!;
    expect(red.max - red.min).to.be.greaterThan(40);
    expect(red.max).to.be.greaterThan(120);
  });
});
