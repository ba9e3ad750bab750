import { expect } from "chai";
import { base64UrlToBytes } from "../../../client/src/shared/file-bytes.js";

describe("reading base64url text (JWS payloads) as bytes", () => {
  it("when the text is unpadded and uses - and _, then the bytes are those it encodes", () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x00, 0x41]);
    const text = Buffer.from(bytes).toString("base64url");
    expect(text).to.match(/[-_]/).and.not.match(/=/);
    expect([...base64UrlToBytes(text)]).to.deep.equal([...bytes]);
  });

  it("when the text is UTF-8 JSON of any length, then decoding it gives the JSON back", () => {
    for (const json of ['{"a":1}', '{"键":"值"}', '{"ab":"c"}']) {
      const text = Buffer.from(json).toString("base64url");
      expect(new TextDecoder().decode(base64UrlToBytes(text))).to.equal(json);
    }
  });
});
