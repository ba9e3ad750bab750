import { expect } from "chai";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

type Header = { required?: boolean };
type Answer = { description: string; headers?: Record<string, Header> };
type Operation = { parameters?: { name?: string; in?: string }[]; responses?: Record<string, Answer> };
type Doc = { info: { description: string }; paths: Record<string, Record<string, Operation>> };

/**
 * Where a document disagrees with which answers the hub signs (node-gate.ts): a refusal of a
 * request whose signature never verified (most 401s; a 500 before the check) leaves unsigned, and
 * a 500 internal_error can follow any signed operation. One problem per line.
 */
export function signedAnswerProblems(name: string, doc: Doc): string[] {
  const problems: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(operations)) {
      const signedOp = (op.parameters ?? []).some((p) => p.in === "header" && p.name === "Signature");
      if (!signedOp) continue;
      const where = `${name} ${method.toUpperCase()} ${path}`;
      for (const status of ["401", "500"]) {
        const answer = op.responses?.[status];
        if (!answer) problems.push(`${where}: no ${status} documented`);
        else if (
          answer.headers?.Signature?.required !== false ||
          answer.headers["Signature-Input"]?.required !== false
        )
          problems.push(`${where}: ${status} documents its signature as always present`);
      }
      if (!op.responses?.["500"]?.description.includes("internal_error"))
        problems.push(`${where}: 500 does not name internal_error`);
      if (!op.responses?.["401"]?.description.includes("unsigned"))
        problems.push(`${where}: 401 does not say which are unsigned`);
    }
  if (!/every other 401 is NOT signed/.test(doc.info.description))
    problems.push(`${name}: the signing rules do not say which 401s are unsigned`);
  return problems;
}

describe("hub OpenAPI documents: which answers are signed", () => {
  it("when a signed operation is documented, then its 401 and 500 may come unsigned and its 500 internal_error is listed", () => {
    for (const [name, build] of Object.entries(OPENAPI_DOCUMENTS))
      expect(signedAnswerProblems(name, build() as Doc)).to.deep.equal([]);
  });

  it("when a document promises every 401 signed and lists no 500, then the check names it (it can fail)", () => {
    const doc = OPENAPI_DOCUMENTS.collection() as Doc;
    const op = doc.paths["/collection/records"]?.post;
    expect(op, "the collection operation").to.not.equal(undefined);
    const broken = structuredClone(doc);
    const answers = broken.paths["/collection/records"]!.post!.responses!;
    delete answers["500"];
    answers["401"] = {
      description: "Node authentication failed",
      headers: { Signature: { required: true }, "Signature-Input": { required: true } },
    };
    const problems = signedAnswerProblems("collection", broken);
    expect(problems.join("\n"))
      .to.contain("no 500 documented")
      .and.to.contain("401 documents its signature as always present");
  });
});
