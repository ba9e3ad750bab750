import type { RunningNode } from "../../../server/main.js";
import { staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

describe("question bank on the hub", () => {
  let hub: RunningNode;
  before(async () => {
    hub = await startTestNode({ role: "hub" });
  });
  after(async () => {
    await hub.stop();
  });

  it("when the hub is asked for question-bank routes, then they do not exist there (banks belong to province nodes)", async () => {
    const admin = await staffAgent(hub, { roles: ["admin"] });
    await admin.agent.get("/api/question-bank/questions").expect(404);
    await admin.agent.get("/api/question-bank/blueprints").expect(404);
  });
});
