import { expect } from "chai";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

type Header = { required?: boolean; description?: string; schema?: { type?: string; minimum?: number } };
type Answer = { description: string; headers?: Record<string, Header> };
type Operations = Record<string, { responses?: Record<string, Answer> }>;

describe("hub OpenAPI documents: the per-node rate limit", () => {
  it("when a signed operation documents its 429, then it names the Retry-After header in whole seconds and details.retryAfterSeconds", () => {
    let seen = 0;
    for (const [name, build] of Object.entries(OPENAPI_DOCUMENTS)) {
      for (const [path, operations] of Object.entries(build().paths as Record<string, Operations>)) {
        for (const [method, operation] of Object.entries(operations)) {
          const refusal = operation.responses?.["429"];
          if (!refusal) continue;
          seen += 1;
          const where = `${name} ${method} ${path}`;
          expect(refusal.description, where)
            .to.contain("rate_limited")
            .and.to.contain("details.retryAfterSeconds");
          expect(refusal.headers?.["Retry-After"], where).to.deep.include({ required: true });
          expect(refusal.headers?.["Retry-After"]?.schema, where).to.deep.equal({
            type: "integer",
            minimum: 1,
          });
          // Still a signed answer: the signature headers stay required beside it.
          expect(refusal.headers?.Signature?.required, where).to.equal(true);
        }
      }
    }
    expect(seen).to.be.greaterThan(0);
  });

  it("when the signing rules are read, then they say the 429's wait is signed in the body and not in the header", () => {
    const description = String((OPENAPI_DOCUMENTS.collection().info as { description: string }).description);
    expect(description).to.contain("retryAfterSeconds").and.to.contain("Retry-After");
  });
});
