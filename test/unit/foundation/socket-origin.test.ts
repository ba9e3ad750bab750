import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { originAllowed } from "../../../server/lib/socket-origin.js";

describe("socket handshake origin", () => {
  const none = new Set<string>();

  it("when a page of the node's own origin opens a socket, then it is allowed (behind a TLS proxy too)", () => {
    expect(originAllowed("http://127.0.0.1:3001", "127.0.0.1:3001", none)).to.equal(true);
    expect(originAllowed("https://exam.js.gov.cn", "exam.js.gov.cn", none)).to.equal(true);
  });

  it("when a page of another origin opens a socket, then it is refused unless that origin is configured", () => {
    expect(originAllowed("https://evil.example", "127.0.0.1:3001", none)).to.equal(false);
    expect(originAllowed("http://127.0.0.1:3002", "127.0.0.1:3001", none)).to.equal(false);
    expect(originAllowed("null", "127.0.0.1:3001", none)).to.equal(false);
    expect(originAllowed("file://x", "x", none)).to.equal(false);
    expect(
      originAllowed("https://kiosk.example", "127.0.0.1:3001", new Set(["https://kiosk.example"])),
    ).to.equal(true);
  });

  it("when a client sends no Origin (not a browser, so no victim's cookie rides along), then it is allowed", () => {
    expect(originAllowed(undefined, "127.0.0.1:3001", none)).to.equal(true);
  });

  it("when ALLOWED_ORIGINS is configured, then each entry is normalised to an origin and junk is refused at boot", () => {
    const config = loadConfig({
      PROVINCE_CODE: "320000",
      ALLOWED_ORIGINS: "https://kiosk.example/path, http://127.0.0.1:5173",
    });
    expect(config.http.allowedOrigins).to.deep.equal(["https://kiosk.example", "http://127.0.0.1:5173"]);
    expect(() => loadConfig({ PROVINCE_CODE: "320000", ALLOWED_ORIGINS: "not a url" })).to.throw(
      /ALLOWED_ORIGINS/,
    );
  });
});
