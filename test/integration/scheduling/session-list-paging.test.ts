import { expect } from "chai";
import { aSessionThroughApi, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** The session list read a page at a time while sessions are moved (加载更多). */
describe("scheduling: the session list page by page", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  it("when a session not yet loaded is moved above the cursor between pages, then every session still appears exactly once", async () => {
    // A window of its own, far ahead, so other tests' sessions stay out of the pages read here.
    const t0 = Date.now() + 500 * 86_400_000 + Math.floor(Math.random() * 1000) * 3_600_000;
    const minute = (m: number) => new Date(t0 + m * 60_000);
    const first = await aSessionThroughApi(env.node, officer, minute(0));
    const second = await aSessionThroughApi(env.node, officer, minute(1));
    const third = await aSessionThroughApi(env.node, officer, minute(2));
    const window = { from: minute(0).toISOString(), to: minute(30).toISOString(), limit: 1 };

    const read = async (before?: string) =>
      (
        await officer.agent
          .get("/api/exam-sessions")
          .query({ ...window, ...(before ? { before } : {}) })
          .expect(200)
      ).body as { sessions: { id: string }[]; next: string | null };

    const pageOne = await read();
    const seen = pageOne.sessions.map((s) => s.id);
    expect(seen).to.have.length(1);
    // Whichever session is not on the first page and would come last is moved to start after all.
    const notLoaded = [first, second, third].filter((s) => !seen.includes(s.id));
    const moved = notLoaded.find((s) => s.id === first.id) ?? notLoaded[0];
    await officer.agent
      .patch(`/api/exam-sessions/${moved?.id}`)
      .send({ startsAt: minute(10).toISOString() })
      .expect(200);

    let before = pageOne.next;
    for (let page = 0; before && page < 5; page++) {
      const body = await read(before);
      seen.push(...body.sessions.map((s) => s.id));
      before = body.next;
    }
    expect([...seen].sort()).to.deep.equal([first.id, second.id, third.id].sort());
  });
});
