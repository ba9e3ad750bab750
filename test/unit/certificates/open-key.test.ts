import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openKeyStore } from "../../../server/certificates/index.js";
import { openKeyOf, successorOf, type StoredKey } from "../../../server/certificates/crypto/key-store.js";

/**
 * "Open" is one rule, in the key store: the newest key of a purpose that no rotation has ended yet,
 * waiting for its switch or not. The rotation's refusal (`expectOpen`), the signing service's
 * `openKey` and the scheduled rotation all read it there.
 */
describe("the open signing key of a purpose", () => {
  let dir: string;
  let t: Date;
  const clock = () => t;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keys-open-"));
    t = new Date("2026-01-01T00:00:00.000Z");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const key = (kid: string, validFrom: string, validTo: string | null): StoredKey => ({
    purpose: "certificate",
    kid,
    suite: "ed25519",
    publicKey: `pk-${kid}`,
    privateKey: `sk-${kid}`,
    validFrom,
    validTo,
  });

  it("when a rotation with a lead made a key that has not switched yet, then that key is the open one, not the one still signing", async () => {
    const store = openKeyStore(dir, "ed25519", clock);
    const first = store.active("certificate").kid;
    const next = await store.rotate("certificate", { leadMs: 3_600_000 });
    expect(store.active("certificate").kid, "still signing").to.equal(first);
    expect(store.open("certificate")).to.deep.include({ kid: next.kid, validFrom: next.validFrom });
    expect(openKeyOf(store.all(), "certificate")?.kid).to.equal(next.kid);
  });

  it("when every key of the purpose is ended, or the purpose has none, then no key is open", () => {
    expect(
      openKeyOf([key("a", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z")], "certificate"),
    ).to.equal(null);
    expect(openKeyOf([key("a", "2026-01-01T00:00:00.000Z", null)], "trust-list")).to.equal(null);
  });

  it("when a key was rotated away from, then its successor is the key that rotation made, whatever later rotations did", () => {
    const keys = [
      key("a", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"),
      key("b", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"),
      key("c", "2026-03-01T00:00:00.000Z", null),
    ];
    expect(successorOf(keys, "a")?.kid).to.equal("b");
    expect(successorOf(keys, "b")?.kid).to.equal("c");
    expect(successorOf(keys, "c"), "still open: not rotated").to.equal(null);
    expect(successorOf(keys, "unknown")).to.equal(null);
  });

  it("when the open key is replaced by another instance meanwhile, then a rotation expecting it is refused", async () => {
    const a = openKeyStore(dir, "ed25519", clock);
    const b = openKeyStore(dir, "ed25519", clock);
    const seen = a.open("certificate")?.kid;
    await b.rotate("certificate");
    const refused = await a.rotate("certificate", seen === undefined ? {} : { expectOpen: seen }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.have.property("code", "key_rotated_meanwhile");
  });
});
