import { expect } from "chai";
import { generateNodeKey } from "../../../server/sharing/node-key.js";
import { SignatureError } from "../../../server/sharing/http-signature.js";
import {
  DEFAULT_WINDOW,
  nonceKeepSeconds,
  signRequest,
  verifyRequest,
} from "../../../server/sharing/signed-message.js";

const URL_ = "http://127.0.0.1:1/api/hub/v1/collection/records";

/** Whether the receiver at `receivedAt` accepts a request signed at `signedAt` for `lifetime` s. */
async function accepted(signedAt: Date, receivedAt: Date, lifetime = 60): Promise<string> {
  const key = generateNodeKey();
  const { headers } = signRequest(key, { method: "POST", url: URL_, body: "{}" }, signedAt, lifetime);
  return verifyRequest({ method: "POST", targetUri: URL_, header: (n) => headers[n] }, "{}", {
    now: receivedAt,
    expectedTargetUri: URL_,
    resolveKey: () => Promise.resolve(key.publicKey),
  }).then(
    () => "ok",
    (err: unknown) => (err instanceof SignatureError ? err.code : String(err)),
  );
}

describe("signed requests: the time window", () => {
  const t0 = new Date("2026-12-07T12:00:00Z");
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  it("when the sender's clock runs behind by up to the skew, then a request signed for the default 60 s is accepted", async () => {
    for (const behind of [0, 30, 61, 100, 120])
      expect(await accepted(t0, at(behind)), `${behind} s`).to.equal("ok");
  });

  it("when the sender's clock runs behind by more than the skew, then the request is refused as clock_skew", async () => {
    expect(await accepted(t0, at(121))).to.equal("clock_skew");
  });

  it("when the skew is allowed on expires, then every accepted moment lies within the time a nonce is kept after its first use", async () => {
    // A replay is refused by its nonce only while the nonce is kept (nonce-store.ts, keepSeconds from
    // its first use); after that, only the time check can refuse it. So the span of moments at which
    // one signature is accepted must not exceed the keep time.
    const keep = nonceKeepSeconds(DEFAULT_WINDOW);
    for (const lifetime of [1, 60, DEFAULT_WINDOW.maxLifetimeSeconds]) {
      const moments: number[] = [];
      for (let s = -400; s <= 700; s += 1)
        if ((await accepted(t0, at(s), lifetime)) === "ok") moments.push(s);
      // Empty, the span below would be -Infinity and pass whatever the window does.
      expect(moments, `lifetime ${lifetime}: no moment accepted`).to.not.be.empty;
      const span = Math.max(...moments) - Math.min(...moments);
      expect(span, `lifetime ${lifetime}`).to.be.at.most(keep);
    }
  });
});
