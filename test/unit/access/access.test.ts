import { expect } from "chai";
import { createAccess, decide, type SessionScope } from "../../../server/access/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { AppError } from "../../../server/lib/errors.js";

function staff(overrides: Partial<AuthUser> = {}): AuthUser {
  return {
    id: "u1",
    kind: "staff",
    roles: ["officer"],
    displayName: "张三",
    divisionCode: "320100",
    provinceCode: "320000",
    ...overrides,
  };
}

const nanjingSession: SessionScope = { divisionCode: "320102", testCentreId: "centre-nj" };

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected a refusal");
}

function refusalOf(fn: () => void): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected a refusal");
}

describe("access layer", () => {
  it("when an account was deactivated after it was cached, then assert refuses it with 401", async () => {
    const access = createAccess({
      currentAccount: () => Promise.resolve(null),
      sessionScope: () => Promise.resolve(nanjingSession),
    });
    const err = await refusal(access.assert(staff(), "session:list"));
    expect(err.status).to.equal(401);
  });

  it("when the cached roles still say officer but the live account lost the role, then assert refuses with 403", async () => {
    const access = createAccess({
      currentAccount: (actor) => Promise.resolve({ ...actor, roles: ["examiner"] }),
      sessionScope: () => Promise.resolve(nanjingSession),
    });
    const err = await refusal(access.assert(staff(), "session:results", { sessionId: "s1" }));
    expect(err.status).to.equal(403);
  });

  it("when a city officer asks for a session of a county in the city, then assert allows it and returns the live account", async () => {
    const live = staff({ displayName: "张三（新）" });
    const access = createAccess({
      currentAccount: () => Promise.resolve(live),
      sessionScope: () => Promise.resolve(nanjingSession),
    });
    expect(await access.assert(staff(), "session:results", { sessionId: "s1" })).to.equal(live);
  });

  it("when the session does not exist, then assert answers 404 session_not_found", async () => {
    const access = createAccess({
      currentAccount: (actor) => Promise.resolve(actor),
      sessionScope: () => Promise.resolve(null),
    });
    const err = await refusal(access.assert(staff(), "session:watch", { sessionId: "nope" }));
    expect([err.status, err.code]).to.deep.equal([404, "session_not_found"]);
  });

  it("when nobody is signed in, then assert answers 401", async () => {
    const access = createAccess({
      currentAccount: (actor) => Promise.resolve(actor),
      sessionScope: () => Promise.resolve(nanjingSession),
    });
    expect((await refusal(access.assert(null, "account:self"))).status).to.equal(401);
  });

  it("when an officer of another city reads a session, then it looks like none (404); results refuse with 403", () => {
    const suzhou = staff({ divisionCode: "320500" });
    expect(refusalOf(() => decide(suzhou, "session:read", nanjingSession)).status).to.equal(404);
    expect(refusalOf(() => decide(suzhou, "session:results", nanjingSession)).status).to.equal(403);
  });

  it("when a proctor of another test centre, or an unbound proctor, proctors the session, then it is refused with the proctor message", () => {
    for (const testCentreId of ["centre-sz", undefined]) {
      const proctor = staff({ roles: ["proctor"], ...(testCentreId ? { testCentreId } : {}) });
      const err = refusalOf(() => decide(proctor, "session:proctor", nanjingSession));
      expect([err.status, err.message]).to.deep.equal([403, "您不是本场次的监考员"]);
    }
    expect(() =>
      decide(staff({ roles: ["proctor"], testCentreId: "centre-nj" }), "session:proctor", nanjingSession),
    ).not.to.throw();
  });

  it("when a candidate carries a proctor-like role list, then no session relation is granted (staff only)", () => {
    const candidate = staff({ kind: "candidate", roles: ["proctor", "officer"], testCentreId: "centre-nj" });
    expect(() => decide(candidate, "session:watch", nanjingSession)).to.throw(AppError);
  });

  it("when a province officer watches a session anywhere in the province, then it is allowed; a county officer only their county", () => {
    expect(() => decide(staff({ divisionCode: "320000" }), "session:watch", nanjingSession)).not.to.throw();
    expect(() => decide(staff({ divisionCode: "320102" }), "session:watch", nanjingSession)).not.to.throw();
    expect(() => decide(staff({ divisionCode: "320104" }), "session:watch", nanjingSession)).to.throw(
      AppError,
    );
  });

  it("when a proctor of another test centre watches a session, then it looks like none (404 session_not_found)", () => {
    const stranger = staff({ roles: ["proctor"], testCentreId: "centre-sz" });
    const err = refusalOf(() => decide(stranger, "session:watch", nanjingSession));
    expect([err.status, err.code]).to.deep.equal([404, "session_not_found"]);
  });

  it("when a city or county account holding the role asks for a province-level action, then it is refused province_level_only naming the levels", () => {
    for (const [divisionCode, roles] of [
      ["320100", ["officer"]],
      ["320102", ["officer"]],
      ["320100", ["admin"]],
    ] as const) {
      for (const action of ["sharing:register", "sharing:queue"] as const) {
        const err = refusalOf(() => decide(staff({ divisionCode, roles: [...roles] }), action));
        expect([err.status, err.code], `${divisionCode} ${action}`).to.deep.equal([
          403,
          "province_level_only",
        ]);
        expect(err.message).to.include("省级").and.include("部级");
      }
    }
    const cityAdmin = staff({ divisionCode: "320100", roles: ["admin"] });
    expect(refusalOf(() => decide(cityAdmin, "audit:verify")).code).to.equal("province_level_only");
    expect(refusalOf(() => decide(staff(), "exchange:escalations")).code).to.equal("province_level_only");
  });

  it("when a province or ministry account asks for a province-level action, then its role decides: allowed with it, plain forbidden without", () => {
    for (const divisionCode of ["320000", "000000"]) {
      expect(() => decide(staff({ divisionCode }), "sharing:register")).not.to.throw();
      expect(() => decide(staff({ divisionCode, roles: ["admin"] }), "audit:verify")).not.to.throw();
      const err = refusalOf(() => decide(staff({ divisionCode, roles: ["examiner"] }), "sharing:register"));
      expect([err.status, err.code]).to.deep.equal([403, "forbidden"]);
    }
  });

  it("when a city or county account holding a bank role asks for a question-bank or blueprint action, then it is refused province_level_only; a province one is allowed", () => {
    const bank = [
      ["admin", "question:read"],
      ["admin", "blueprint:write"],
      ["admin", "blueprint:publish"],
      ["admin", "bank:import"],
      ["examiner", "question:write"],
      ["reviewer", "question:review"],
      ["reviewer", "question:retire"],
    ] as const;
    for (const [role, action] of bank) {
      for (const divisionCode of ["320100", "320102"])
        expect(refusalOf(() => decide(staff({ divisionCode, roles: [role] }), action)).code, action).to.equal(
          "province_level_only",
        );
      expect(() => decide(staff({ divisionCode: "320000", roles: [role] }), action), action).not.to.throw();
    }
    // Officers of every level still read the blueprints their sessions are scheduled on.
    expect(() => decide(staff({ divisionCode: "320102" }), "blueprint:read")).not.to.throw();
  });

  it("when an action names no levels, then a county officer holding its role is allowed", () => {
    expect(() => decide(staff({ divisionCode: "320102" }), "sharing:lookup")).not.to.throw();
  });
});
