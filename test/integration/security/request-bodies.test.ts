import { expect } from "chai";
import { anonymousAgent } from "../../helpers/auth.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";

type Node = TestNode;

/** `depth` arrays and objects nested inside each other around one string. */
function nested(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

describe("Request bodies at the edge (found by the fuzz sweep, issue 18)", function () {
  this.timeout(60_000);
  let node: Node;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  it("when a body nests thousands of levels deep, then it is refused with body_too_deep, not a 500", async () => {
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/login").send({ username: nested(3000), password: "x" });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal("body_too_deep");
    expect(res.body.error.message).to.match(/嵌套/);
  });

  it("when a body nests a few levels where a string belongs, then validation answers as usual", async () => {
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/login").send({ username: nested(10), password: "x" });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal("validation_failed");
  });

  it("when a request carries a 70 KB header (a Signature-Input to the hub), then it is refused as headers_too_large in the one error body, not Node's bare 431", async () => {
    const res = await fetch(`${node.url}/api/hub/v1/exchange/inbox?after=0`, { headers: { "signature-input": `sig1=("@method");keyid="${"x".repeat(70_000)}"` } });
    expect(res.status).to.equal(431);
    expect(res.headers.get("content-type")).to.match(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal("headers_too_large");
    expect(body.error.message).to.match(/请求头/);
  });
});
