import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { registerTestCandidate } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A county officer who may not withdraw or rename a candidate because the city seated them must
 * learn which session holds the seat (its start in the node's zone, its centre and room), and whom
 * to ask: the office that scheduled it. A bare 409 left them nothing to act on.
 */
describe("registration: a seat held in a session another office scheduled", () => {
  const env = useTestNode({ env: { TIME_ZONE: "Asia/Shanghai" } });
  const county: AuthUser = {
    id: "county-officer",
    kind: "staff",
    roles: ["officer"],
    displayName: "县经办",
    divisionCode: "320102",
    provinceCode: "320000",
  };
  // 2026-12-08 01:30 UTC is 09:30 in Beijing: the message names the node's wall time.
  const startsAt = new Date("2026-12-08T01:30:00.000Z");

  function registration() {
    return createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: env.node.ctx.config.provinceCode,
      openSeat: () => async () => ({
        sessionStartsAt: startsAt,
        sittingUntil: null,
        sessionId: "65f000000000000000000001",
        testCentreName: "南京市第一考点",
        roomName: "301 考场",
      }),
    });
  }

  async function refusalOf(p: Promise<unknown>) {
    try {
      await p;
    } catch (err) {
      return err as { code: string; status: number; message: string; details?: Record<string, unknown> };
    }
    throw new Error("not refused");
  }

  for (const [what, act] of [
    ["withdraws", (reg: ReturnType<typeof registration>, id: string) => reg.withdraw(county, id, "本人申请")],
    [
      "renames",
      (reg: ReturnType<typeof registration>, id: string) => reg.correct(county, id, { name: "改名字" }),
    ],
  ] as const) {
    it(`when a county officer ${what} a candidate the city seated, then the refusal names the session's start, centre and room and says to ask its office`, async () => {
      const c = await registerTestCandidate(env.node, { divisionCode: "320102" });
      const err = await refusalOf(act(registration(), c.id));
      expect([err.status, err.code]).to.deep.equal([409, "candidate_seated"]);
      expect(err.message).to.include("2026年12月8日 09:30");
      expect(err.message).to.include("南京市第一考点");
      expect(err.message).to.include("301 考场");
      expect(err.message).to.include("安排该场次的运管机构");
      expect(err.details).to.deep.equal({
        sessionId: "65f000000000000000000001",
        sessionStartsAt: startsAt.toISOString(),
        testCentreName: "南京市第一考点",
        roomName: "301 考场",
      });
    });
  }
});
