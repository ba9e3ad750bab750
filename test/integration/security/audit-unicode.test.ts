import { expect } from "chai";
import fc from "fast-check";
import request from "supertest";
import type { AuditVerificationDto } from "../../../server/contracts/audit.js";
import { anonymousAgent, staffAgent, TEST_PASSWORD, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** Any string at all, lone UTF-16 surrogates included (JSON escapes like "\ud800" carry them). */
const anyString = fc.string({ unit: "binary", minLength: 1, maxLength: 24 });

describe("audit chain integrity under any input text", function () {
  this.timeout(180_000);
  let node: Node;
  let admin: AuthedAgent;

  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    admin = await staffAgent(node, { roles: ["admin", "officer"], divisionCode: "320000" });
  });

  after(async () => {
    await node?.stop();
  });

  async function verify(): Promise<AuditVerificationDto> {
    const res = await admin.agent.get("/api/audit/verify").expect(200);
    return res.body as AuditVerificationDto;
  }

  it("when an anonymous login's username holds a lone surrogate, then the chain still verifies", async () => {
    const { agent } = await anonymousAgent(node);
    await agent.post("/api/auth/login").send({ username: "probe_\ud800x", password: "wrong-password" }).expect(401);
    const result = await verify();
    expect(result.problems).to.deep.equal([]);
    expect(result.ok).to.equal(true);
  });

  it("when any strings are sent to the audited actions (logins, authorities, users, rooms), then /api/audit/verify stays green", async () => {
    await fc.assert(
      fc.asyncProperty(anyString, anyString, async (text, other) => {
        const { agent } = await anonymousAgent(node);
        await agent.post("/api/auth/login").send({ username: text, password: other });
        const { agent: candidate } = await anonymousAgent(node);
        await candidate.post("/api/auth/candidate-login").send({ idNumber: text.slice(0, 18), ticketNo: other });
        const authority = await admin.agent.post("/api/authorities").send({ name: text, divisionCode: "320100" });
        if (authority.status === 201 || authority.status === 200) {
          const id = (authority.body as { authority?: { id: string }; id?: string }).authority?.id;
          if (id) await admin.agent.patch(`/api/authorities/${id}`).send({ name: other });
        }
        await admin.agent.post("/api/users").send({
          username: `p${Math.random().toString(36).slice(2, 10)}`,
          displayName: text,
          password: TEST_PASSWORD,
          roles: ["examiner"],
          divisionCode: "320100",
        });
        await request(node.url).post("/api/auth/logout").set("cookie", "roadcert.sid=x").send({});
        const result = await verify();
        expect(result.problems).to.deep.equal([]);
      }),
      { numRuns: 20 },
    );
  });
});
