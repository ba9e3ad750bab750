import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openKeyStore } from "../../../server/certificates/index.js";

/**
 * Several app instances of one node share one keys directory: each opens its own store on it, as
 * these tests do with two stores in one process.
 */
describe("signing keys shared by the instances of one node", () => {
  let dir: string;
  let t: Date;
  const clock = () => t;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "keys-shared-"));
    t = new Date("2026-01-01T00:00:00.000Z");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const certificateKeys = (store: ReturnType<typeof openKeyStore>) =>
    store.all().filter((k) => k.purpose === "certificate");

  it("when one instance rotates the certificate key, then another instance signs with the new key from its next use", async () => {
    const a = openKeyStore(dir, "ed25519", clock);
    const b = openKeyStore(dir, "ed25519", clock);
    const first = b.active("certificate").kid;
    t = new Date("2026-02-01T00:00:00.000Z");
    const next = await a.rotate("certificate");
    expect(next.kid).to.not.equal(first);
    expect(b.active("certificate").kid).to.equal(next.kid);
    expect(b.all().find((k) => k.kid === first)?.validTo).to.equal("2026-02-01T00:00:00.000Z");
  });

  it("when two instances rotate one after the other, then the key file keeps every key either made and one stays open", async () => {
    const a = openKeyStore(dir, "ed25519", clock);
    const b = openKeyStore(dir, "ed25519", clock);
    const first = a.active("certificate").kid;
    b.active("certificate");
    t = new Date("2026-02-01T00:00:00.000Z");
    const fromA = (await a.rotate("certificate")).kid;
    t = new Date("2026-03-01T00:00:00.000Z");
    const fromB = (await b.rotate("certificate")).kid;
    const reopened = certificateKeys(openKeyStore(dir, "ed25519", clock));
    expect(reopened.map((k) => k.kid)).to.deep.equal([first, fromA, fromB]);
    expect(reopened.map((k) => [k.validFrom, k.validTo])).to.deep.equal([
      ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"],
      ["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"],
      ["2026-03-01T00:00:00.000Z", null],
    ]);
    expect(a.active("certificate").kid).to.equal(fromB);
    // The trust-list key was never rotated and is still the one both started with.
    expect(a.active("trust-list").kid).to.equal(b.active("trust-list").kid);
  });

  it("when a rotation is given a lead time, then every instance keeps the current key until the new one starts, and switches then", async () => {
    const a = openKeyStore(dir, "ed25519", clock);
    const b = openKeyStore(dir, "ed25519", clock);
    const first = a.active("certificate").kid;
    t = new Date("2026-02-01T00:00:00.000Z");
    const next = await a.rotate("certificate", { leadMs: 120_000 });
    expect(next.validFrom).to.equal("2026-02-01T00:02:00.000Z");
    expect(a.active("certificate").kid).to.equal(first);
    expect(b.active("certificate").kid).to.equal(first);
    expect(b.all().find((k) => k.kid === first)?.validTo).to.equal("2026-02-01T00:02:00.000Z");
    t = new Date("2026-02-01T00:02:00.000Z");
    expect(a.active("certificate").kid).to.equal(next.kid);
    expect(b.active("certificate").kid).to.equal(next.kid);
  });

  it("when an instance's clock lags the one that rotated, then it keeps the old key until its own clock reaches the switch", async () => {
    let lagging = new Date("2026-02-01T00:00:00.000Z");
    const a = openKeyStore(dir, "ed25519", clock);
    const b = openKeyStore(dir, "ed25519", () => lagging);
    const first = b.active("certificate").kid;
    t = new Date("2026-02-01T00:00:05.000Z");
    const next = await a.rotate("certificate");
    expect(b.active("certificate").kid).to.equal(first);
    lagging = new Date("2026-02-01T00:00:05.000Z");
    expect(b.active("certificate").kid).to.equal(next.kid);
  });

  it("when a rotation runs while another holds the lock, then it is refused with a stable code and changes nothing", async () => {
    const a = openKeyStore(dir, "ed25519", clock, { lockWaitMs: 50 });
    const before = readFileSync(join(dir, "signing-keys.json"), "utf8");
    writeFileSync(join(dir, "signing-keys.json.lock"), "another instance");
    const refused = await a.rotate("certificate").then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused)
      .to.be.an("error")
      .that.deep.include({ code: "key_rotation_in_progress" })
      .and.has.property("message")
      .that.matches(/密钥/);
    expect(readFileSync(join(dir, "signing-keys.json"), "utf8")).to.equal(before);
    expect(existsSync(join(dir, "signing-keys.json.lock"))).to.equal(true);
  });

  it("when a rotation finds a lock left long ago by one that crashed, then it takes the lock over, rotates and removes it", async () => {
    const a = openKeyStore(dir, "ed25519", clock, { lockWaitMs: 50 });
    const lock = join(dir, "signing-keys.json.lock");
    writeFileSync(lock, "crashed instance");
    const longAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, longAgo, longAgo);
    t = new Date("2026-02-01T00:00:00.000Z");
    const next = await a.rotate("certificate");
    expect(a.active("certificate").kid).to.equal(next.kid);
    expect(certificateKeys(a)).to.have.length(2);
    expect(existsSync(lock)).to.equal(false);
  });
});
