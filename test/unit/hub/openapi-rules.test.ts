import { readFileSync } from "node:fs";
import { expect } from "chai";
import { canonicalJson, expectedRecordHash } from "../../../scripts/conformance/kit.js";
import {
  isConformanceRecord,
  QualificationRecord,
  REJECT_CODE_LABELS,
  RejectCode,
} from "../../../server/contracts/hub.js";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";
import { checkRecord, recordHash } from "../../../server/hub/record-validation.js";
import { makeIdNumber } from "../../../server/lib/id-number.js";

/**
 * The hub's OpenAPI documents against what the hub enforces: the rejection codes it produces, the
 * record rules it checks, what it hashes, the routes outside the signed interface and the refusals
 * the body parser answers before the node gate.
 */

type Schema = {
  description?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
};
type Response = { description: string; headers?: Record<string, { required?: boolean }> };
type Operation = { responses: Record<string, Response>; requestBody?: unknown };
type Doc = { info: { description: string }; paths: Record<string, Record<string, Operation>> };

const doc = (name: keyof typeof OPENAPI_DOCUMENTS) => OPENAPI_DOCUMENTS[name]() as unknown as Doc;
const source = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");

/** The reason codes a stretch of the hub's source produces (string literals passed as a reason's code). */
function producedCodes(): string[] {
  const found = new Set<string>();
  const validation = source("server/hub/record-validation.ts");
  const collection = ["collection.service.ts", "collection-rounds.ts"]
    .map((f) => source(`server/hub/${f}`))
    .join("\n");
  for (const m of validation.matchAll(/\b(?:add|bounded)\(\s*"([a-z_]+)"/g)) found.add(m[1]!);
  for (const m of collection.matchAll(/\breject\(\s*"([a-z_]+)"/g)) found.add(m[1]!);
  // Codes named once as constants (CONFLICT_RETRY, TOO_MANY_RECORDS) and passed by name.
  for (const m of `${validation}\n${collection}`.matchAll(/:\s*RejectCode\s*=\s*"([a-z_]+)"/g))
    found.add(m[1]!);
  // The ID number's own problems, passed through as reasons (record-validation: p.code).
  const id = /IdNumberProblemCode\s*=([^;]+);/.exec(source("server/lib/id-number.ts"))?.[1] ?? "";
  for (const m of id.matchAll(/"([a-z_]+)"/g)) found.add(m[1]!);
  return [...found].sort();
}

/** The receipt's RejectReason schema as the collection document publishes it. */
function rejectReasonSchema(): Schema {
  const ok = doc("collection").paths["/collection/records"]!.post!.responses["200"] as unknown as {
    content: { "application/json": { schema: Schema } };
  };
  return ok.content["application/json"].schema.properties!.results!.items!.properties!.reasons!.items!;
}

/** The record schema of the collection document's request body. */
function recordSchema(): Schema {
  const op = doc("collection").paths["/collection/records"]!.post! as unknown as {
    requestBody: { content: { "application/json": { schema: Schema } } };
  };
  return op.requestBody.content["application/json"].schema.properties!.records!.items!;
}

const BEIJING_NOW = () =>
  new Date(Date.now() + 8 * 3600_000 - 60_000).toISOString().replace(/[-:T]/g, "").slice(0, 14);

describe("hub OpenAPI documents against what the hub enforces", () => {
  it("when the hub rejects a record, then its code is one of the contract's RejectCode, and every code the hub's source produces is listed", () => {
    expect(producedCodes()).to.have.length.greaterThan(10);
    expect([...RejectCode.options].sort()).to.deep.equal(producedCodes());
    for (const code of RejectCode.options) expect(REJECT_CODE_LABELS[code]).to.match(/\p{Script=Han}/u);
  });

  it("when the collection document describes a rejection reason, then its code is the enum of every code with its Chinese meaning", () => {
    const code = rejectReasonSchema().properties!.code!;
    expect(code.enum).to.deep.equal([...RejectCode.options]);
    for (const c of RejectCode.options) expect(code.description).to.contain(`${c}: ${REJECT_CODE_LABELS[c]}`);
  });

  it("when a record is described, then each rule the hub enforces beyond its shape is written in the schema with its code", () => {
    const record = recordSchema();
    const p = record.properties!;
    expect(p.updateTime!.description)
      .to.match(/Beijing/)
      .and.match(/5 minutes/)
      .and.match(/future_date/);
    expect(p.sourceProvince!.description)
      .to.match(/sign/)
      .and.match(/provenance_mismatch/);
    expect(p.issuingDivision!.description)
      .to.match(/division_outside_province/)
      .and.match(/unknown_division/);
    expect(p.exam!.description)
      .to.match(/exactly/)
      .and.match(/passMark/)
      .and.match(/inconsistent/);
    expect(p.state!.description)
      .to.match(/delete/)
      .and.match(/invalid/);
    expect(p.certificate!.description)
      .to.match(/status/)
      .and.match(/state/);
    expect(p.practitioner!.description)
      .to.match(/GB 11643/)
      .and.match(/id_check_digit/);
  });

  it("when the documents describe recordHash, then a province following the description gets the hub's hash, a padded name with a full stop included", () => {
    const idNumber = makeIdNumber("650102", "1980-01-01", 7);
    const raw = {
      recordId: "pass:hash-doc",
      recordType: "exam_pass",
      sourceProvince: "650000",
      operation: "add",
      state: "valid",
      updateTime: BEIJING_NOW(),
      version: 1,
      practitioner: { idNumber, name: " 阿卜杜 . 热合曼 " },
      categories: ["02001"],
      issuingDivision: "650000",
      exam: {
        categoryCode: "02001",
        passedOn: "2026-01-02",
        score: 90,
        passMark: 80,
        chainHash: "a".repeat(64),
      },
    };
    const checked = checkRecord(raw, { signerProvince: "650000", now: new Date() });
    if (!checked.ok) throw new Error(JSON.stringify(checked.reasons));
    expect(checked.record.practitioner.name).to.equal("阿卜杜·热合曼");
    expect(expectedRecordHash(raw)).to.equal(checked.hash);
    // The record as the province wrote it hashes otherwise: the normalisation must be documented.
    expect(expectedRecordHash(raw)).to.not.equal(recordHash(raw as unknown as QualificationRecord));
    const described = rejectReasonSchema();
    expect(described).to.not.equal(undefined);
    const hashDoc = (
      doc("collection").paths["/collection/records"]!.post!.responses["200"] as unknown as {
        content: { "application/json": { schema: Schema } };
      }
    ).content["application/json"].schema.properties!.results!.items!.properties!.recordHash!.description;
    expect(hashDoc)
      .to.match(/SHA-256/)
      .and.match(/canonical JSON/)
      .and.match(/sorted/);
    expect(hashDoc)
      .to.match(/trimmed/)
      .and.match(/U\+00B7/)
      .and.match(/NFC/);
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: "x" } })).to.equal(
      '{"a":{"c":"x","d":[2,{"e":2,"f":1}]},"b":1}',
    );
  });

  it("when the kit's documented routes are listed, then the hub's identity and the published reports are described", () => {
    const catalog = doc("catalog").paths;
    expect(catalog["/identity"]?.get?.responses["200"]).to.not.equal(undefined);
    expect(catalog["/reports"]?.get?.responses["200"]).to.not.equal(undefined);
    expect(catalog["/reports/{month}"]?.get?.responses["404"]?.description).to.match(/report_not_published/);
  });

  it("when a signed POST is documented, then the body parser's unsigned refusals are listed as unsigned under their status", () => {
    for (const name of Object.keys(OPENAPI_DOCUMENTS) as (keyof typeof OPENAPI_DOCUMENTS)[]) {
      for (const [path, ops] of Object.entries(doc(name).paths)) {
        const post = ops.post;
        if (!post?.responses["401"]) continue;
        expect(post.responses["400"]?.description, `${name} ${path}`)
          .to.match(/invalid_json/)
          .and.match(/unsigned/);
        expect(post.responses["413"]?.description, `${name} ${path}`)
          .to.match(/payload_too_large/)
          .and.match(/unsigned/);
        // An unsigned answer carries no signature headers: they cannot be required under these statuses.
        expect(post.responses["413"]?.headers?.Signature?.required ?? false, `${name} ${path}`).to.equal(
          false,
        );
      }
    }
    expect(doc("collection").info.description)
      .to.match(/invalid_json/)
      .and.match(/not signed/);
  });

  it("when a record is the conformance kit's (its record id and its test practitioner), then the contract's predicate says so, and of no other record", () => {
    const test = makeIdNumber("440095", "1980-01-01", 7);
    const real = makeIdNumber("440102", "1980-01-01", 7);
    const record = (recordId: string, idNumber: string) => ({
      recordId,
      practitioner: { idNumber, name: "测试" },
    });
    expect(isConformanceRecord(record("conformance:0a1b2c-good", test))).to.equal(true);
    // A real practitioner's record is counted whatever its id says: a province cannot hide it.
    expect(isConformanceRecord(record("conformance:0a1b2c", real))).to.equal(false);
    expect(isConformanceRecord(record("pass:conformance:1", test))).to.equal(false);
    expect(isConformanceRecord({ recordId: "conformance:x" })).to.equal(false);
    expect(isConformanceRecord(null)).to.equal(false);
  });
});
