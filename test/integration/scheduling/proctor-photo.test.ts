import { expect } from "chai";
import type { RunningNode } from "../../../server/main.js";
import { scheduleCandidates, staffAgent, TEST_PHOTO } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

describe("registration photo at the check-in desk", function () {
  let node: RunningNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  it("when a proctor of the session's test centre asks for a seated candidate's photo, then the photo is served; another centre's proctor gets nothing", async () => {
    const fixture = await scheduleCandidates(node, { count: 1 });
    const candidate = fixture.candidates[0]!;
    const url = `/api/exam-sessions/${fixture.session.id}/candidates/${candidate.id}/photo`;
    const proctor = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.room.divisionCode,
    });
    const res = await proctor.agent.get(url);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^image\//);
    // The registered bytes themselves: a 200 with an empty body passed the check-in photo's test.
    expect(Buffer.from(res.body as Buffer).equals(Buffer.from(TEST_PHOTO.dataBase64, "base64"))).to.equal(
      true,
    );

    const elsewhere = await scheduleCandidates(node, { count: 1 });
    const stranger = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: elsewhere.room.testCentreId,
      divisionCode: elsewhere.room.divisionCode,
    });
    const refused = await stranger.agent.get(url);
    expect(refused.status).to.equal(404);
  });
});
