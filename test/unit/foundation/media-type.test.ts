import { expect } from "chai";
import { sniffMediaType } from "../../../server/lib/media-type.js";

describe("media type by content", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

  it("when a file starts with a known signature, then its type is named whatever the file was called", () => {
    expect(sniffMediaType(Buffer.from("%PDF-1.7\n"))).to.equal("application/pdf");
    expect(sniffMediaType(png)).to.equal("image/png");
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).to.equal("image/jpeg");
    expect(sniffMediaType(Buffer.from("GIF89a\x01\x00", "latin1"))).to.equal("image/gif");
    expect(sniffMediaType(Buffer.from("RIFF\x00\x00\x00\x00WEBPVP8 ", "latin1"))).to.equal("image/webp");
  });

  it("when a file is cut inside its signature or is something else, then no type is named", () => {
    expect(sniffMediaType(png.subarray(0, 7))).to.equal(null);
    expect(sniffMediaType(Buffer.from([0xff, 0xd8]))).to.equal(null);
    expect(sniffMediaType(Buffer.from("%PDF"))).to.equal(null);
    expect(sniffMediaType(Buffer.from("PK\x03\x04", "latin1"))).to.equal(null);
    expect(sniffMediaType(Buffer.alloc(0))).to.equal(null);
  });
});
