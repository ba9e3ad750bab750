import { expect } from "chai";
import { createPasswordGate } from "../../../server/auth/password-gate.js";

/** A password check that runs until `finish` is called, and says whether it started. */
function heldCheck() {
  let finish!: (ok: boolean) => void;
  let started = false;
  const done = new Promise<boolean>((resolve) => (finish = resolve));
  return {
    run: () => {
      started = true;
      return done;
    },
    finish: (ok = true) => finish(ok),
    started: () => started,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("identity: the bound on staff logins and their password checks at once", () => {
  it("when more logins arrive than the bound admits, then the extra ones are refused login_busy at once and the admitted check their passwords two at a time", async () => {
    const gate = createPasswordGate(3);
    const held = [heldCheck(), heldCheck(), heldCheck()];
    const answers = held.map((h) => gate.admit((check) => check(h.run)));
    let reached = false;
    const refused = await gate
      .admit(() => {
        reached = true;
        return Promise.resolve(true);
      })
      .then(
        () => null,
        (err: unknown) => err as { code?: string; status?: number; message?: string },
      );
    expect([refused?.status, refused?.code, refused?.message]).to.deep.equal([
      503,
      "login_busy",
      "登录请求过多，请稍后重试",
    ]);
    expect(reached).to.equal(false);
    await tick();
    expect(held.map((h) => h.started())).to.deep.equal([true, true, false]);
    held[0]!.finish();
    await tick();
    expect(held[2]!.started()).to.equal(true);
    held[1]!.finish(false);
    held[2]!.finish();
    expect(await Promise.all(answers)).to.deep.equal([true, false, true]);
    expect(await gate.admit((check) => check(() => Promise.resolve("again")))).to.equal("again");
  });

  it("when a login fails, then its place and its check's are given back", async () => {
    const gate = createPasswordGate(1);
    await gate
      .admit((check) => check(() => Promise.reject(new Error("scrypt failed"))))
      .catch(() => undefined);
    expect(await gate.admit((check) => check(() => Promise.resolve(true)))).to.equal(true);
  });
});
