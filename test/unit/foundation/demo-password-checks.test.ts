import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { demoPasswordChecks } from "../../../scripts/demo-password.js";

/**
 * The demo's remembered password checks (scripts/demo-password.ts): a restart trusts only hashes a
 * check (or the account's creation) showed to match this install's password, and a new password
 * voids them.
 */
describe("demo password checks", () => {
  let dir: string;
  let verified: string[];
  const verify = async (password: string, stored: string) => {
    verified.push(stored);
    return stored === `hash-of:${password}`;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "demo-checks-"));
    verified = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("when a hash matched at one start, then the next start trusts it without checking it again", async () => {
    const first = await demoPasswordChecks(dir, "node", "pw", verify);
    expect(await first.matches("hash-of:pw")).to.equal(true);
    await first.save();
    verified = [];
    const next = await demoPasswordChecks(dir, "node", "pw", verify);
    expect(await next.matches("hash-of:pw")).to.equal(true);
    expect(verified).to.deep.equal([]);
  });

  it("when a hash did not match, then it is checked again at every start", async () => {
    const first = await demoPasswordChecks(dir, "node", "pw", verify);
    expect(await first.matches("hash-of:old")).to.equal(false);
    await first.save();
    const next = await demoPasswordChecks(dir, "node", "pw", verify);
    expect(await next.matches("hash-of:old")).to.equal(false);
    expect(verified).to.deep.equal(["hash-of:old", "hash-of:old"]);
  });

  it("when the password changed, then the remembered hashes count for nothing", async () => {
    const first = await demoPasswordChecks(dir, "node", "pw", verify);
    first.remember("hash-of:pw");
    await first.save();
    const next = await demoPasswordChecks(dir, "node", "other", verify);
    expect(await next.matches("hash-of:pw")).to.equal(false);
    expect(verified).to.deep.equal(["hash-of:pw"]);
  });

  it("when another node remembered a hash, then this node still checks it", async () => {
    const hub = await demoPasswordChecks(dir, "hub", "pw", verify);
    hub.remember("hash-of:pw");
    await hub.save();
    const province = await demoPasswordChecks(dir, "province-320000", "pw", verify);
    expect(await province.matches("hash-of:pw")).to.equal(true);
    expect(verified).to.deep.equal(["hash-of:pw"]);
  });
});
