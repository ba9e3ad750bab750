import { expect } from "chai";
import { z } from "zod";
import { parse, validate } from "../../../server/lib/http.js";
import { sharedListener, withAck } from "../../../server/lib/socket-ack.js";
import { assertRefusesUnknownKeys, looseObjectPaths } from "../../../server/lib/strict-schema.js";

describe("request schemas that refuse unknown keys (lib/strict-schema)", () => {
  it("when every object is strict, through transforms, defaults, arrays, records and unions, then nothing is reported", () => {
    const option = z.strictObject({ key: z.string() });
    const schema = z
      .strictObject({
        options: z.array(option).default([]),
        byKey: z.record(z.string(), option).optional(),
        either: z.union([option, z.string()]),
        pair: z.tuple([option, z.number()]),
      })
      .refine(() => true)
      .transform((v) => v.options);
    expect(looseObjectPaths(schema)).to.deep.equal([]);
  });

  it("when objects at several depths strip unknown keys, then each is reported by its path", () => {
    const schema = z.strictObject({
      options: z.array(z.object({ key: z.string() })).max(4),
      nested: z.strictObject({ inner: z.object({}).optional() }),
      either: z.discriminatedUnion("k", [
        z.strictObject({ k: z.literal("a") }),
        z.object({ k: z.literal("b") }),
      ]),
    });
    expect(looseObjectPaths(schema)).to.deep.equal(["$.options[]", "$.nested.inner", "$.either"]);
    expect(looseObjectPaths(z.object({ a: z.string() }).partial())).to.deep.equal(["$"]);
    expect(looseObjectPaths(z.string().max(3))).to.deep.equal([]);
  });

  it("when a route is built or a request parsed with a schema that would drop unknown keys, then it throws naming the path", () => {
    const loose = z.object({ status: z.string().optional() });
    expect(() => validate("query", loose)).to.throw(/\$/);
    expect(() => parse(loose, { status: "x" })).to.throw(/drops unknown keys at \$/);
    expect(() => assertRefusesUnknownKeys(z.strictObject({ a: z.object({}) }), "a body")).to.throw(/\$\.a/);
    expect(parse(loose.strict(), { status: "x" })).to.deep.equal({ status: "x" });
  });

  it("when a socket event's listener is made with a payload schema that would drop unknown keys, then it throws", () => {
    const loose = z.object({ attemptId: z.string() });
    expect(() => withAck(loose, () => null)).to.throw(/socket event's payload: .*\$/);
    expect(() => sharedListener("attempt:sync", loose, () => ({}) as never)).to.throw(/attempt:sync/);
    expect(withAck(loose.strict(), () => null)).to.be.a("function");
  });
});
