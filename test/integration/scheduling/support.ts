import { createTestRoom, useStaffAgent, type AuthedAgent, type TestRoom } from "../../helpers/auth.js";
import { useTestNode, type TestNode } from "../../helpers/node.js";

/** An ISO instant `d` days from now. */
export const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** A session as the create route answers it, with the fields these tests read. */
export interface CreatedSession {
  id: string;
  capacity: number;
  lateEntryMinutes: number;
  earliestHandInMinutes: number;
}

/**
 * A node and a 南京 officer for the calling describe block, and sessions the officer schedules
 * through the route, each on a day of its own (`nextDay()`) unless the test names `startsAt`.
 */
export function useSchedulingNode(): {
  readonly env: { readonly node: TestNode };
  readonly officer: AuthedAgent;
  readonly nextDay: () => string;
  readonly aSession: (
    seats: number,
    extra?: Record<string, unknown>,
  ) => Promise<{ room: TestRoom; session: CreatedSession }>;
} {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  let day = 1;
  const nextDay = () => inDays(day++);

  async function aSession(seats: number, extra: Record<string, unknown> = {}) {
    const room = await createTestRoom(env.node, { seats });
    const res = await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "01001",
        testCentreId: room.testCentreId,
        roomId: room.roomId,
        startsAt: nextDay(),
        ...extra,
      })
      .expect(201);
    return { room, session: res.body.session as CreatedSession };
  }

  return { env, officer, nextDay, aSession };
}
