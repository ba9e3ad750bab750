import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import type { IncomingMessage } from "node:http";
import { originAllowed, originCheck } from "../../../server/lib/socket-origin.js";

describe("socket handshake origin", () => {
  const none = new Set<string>();

  it("when a page of the node's own origin opens a socket, then it is allowed (behind a TLS proxy too)", () => {
    expect(originAllowed("http://127.0.0.1:3001", "127.0.0.1:3001", none)).to.equal(true);
    expect(originAllowed("https://exam.js.gov.cn", "exam.js.gov.cn", none, "https")).to.equal(true);
  });

  it("when the Origin's scheme is not the one the node is reached by, then it is refused: another scheme is another origin (another port)", () => {
    // Plain HTTP on port 80: a page served over https by whatever answers on 443 is not this node.
    expect(originAllowed("https://exam.local", "exam.local", none, "http")).to.equal(false);
    expect(originAllowed("https://127.0.0.1:3001", "127.0.0.1:3001", none, "http")).to.equal(false);
    // Behind a TLS proxy the node is reached by https: a plain-http page of the same host is not it.
    expect(originAllowed("http://exam.js.gov.cn", "exam.js.gov.cn", none, "https")).to.equal(false);
  });

  it("when the Origin or Host spells the same origin differently (case, default port, trailing slash), then it is allowed", () => {
    expect(originAllowed("http://exam.local:80", "exam.local", none, "http")).to.equal(true);
    expect(originAllowed("http://exam.local", "exam.local:80", none, "http")).to.equal(true);
    expect(originAllowed("http://EXAM.Local/", "Exam.LOCAL", none, "http")).to.equal(true);
    expect(originAllowed("https://exam.local:443", "exam.local:443", none, "https")).to.equal(true);
    expect(
      originAllowed("HTTPS://Kiosk.Example:443/", "127.0.0.1:3001", new Set(["https://kiosk.example"])),
    ).to.equal(true);
  });

  it("when the Origin or Host is not a bare origin (a path, credentials, another port), then it is refused", () => {
    expect(originAllowed("http://exam.local/evil", "exam.local", none)).to.equal(false);
    expect(originAllowed("http://evil.example@exam.local", "exam.local", none)).to.equal(false);
    expect(originAllowed("http://exam.local:8080", "exam.local", none)).to.equal(false);
    expect(originAllowed("http://exam.local", "evil.example@exam.local", none)).to.equal(false);
    expect(originAllowed("http://exam.local", "exam.local/x", none)).to.equal(false);
    expect(originAllowed("http://exam.local", undefined, none)).to.equal(false);
  });

  it("when the handshake's scheme is judged, then X-Forwarded-Proto counts only from a trusted proxy", async () => {
    const ask = (check: ReturnType<typeof originCheck>, headers: Record<string, string>) =>
      new Promise<boolean>((resolve) =>
        check({ headers, socket: {} } as unknown as IncomingMessage, (_err, ok) => resolve(ok)),
      );
    const page = { origin: "https://exam.js.gov.cn", host: "exam.js.gov.cn" };
    const proxied = { ...page, "x-forwarded-proto": "https" };
    expect(await ask(originCheck([], { trustProxy: true }), proxied)).to.equal(true);
    expect(
      await ask(originCheck([], { trustProxy: true }), { ...page, "x-forwarded-proto": "HTTPS, http" }),
    ).to.equal(true);
    expect(await ask(originCheck([], { trustProxy: true }), page), "no proxy said https").to.equal(false);
    expect(await ask(originCheck([], { trustProxy: false }), proxied), "a header anyone can send").to.equal(
      false,
    );
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
