import { expect } from "chai";
import express from "express";
import { pino } from "pino";
import request from "supertest";
import { AppError } from "../../../server/lib/errors.js";
import { errorHandler } from "../../../server/lib/http.js";

/** An app whose one route throws `err`, answered by the one error middleware. */
function throwing(err: AppError) {
  const app = express();
  app.get("/x", () => {
    throw err;
  });
  app.use(errorHandler(pino({ level: "silent" })));
  return request(app).get("/x");
}

const refusal = (status: number, details: unknown) =>
  new AppError("too_many_requests", status, "请稍后再试", details);

describe("HTTP error middleware: Retry-After (RFC 9110 §10.2.3)", () => {
  it("when a 429 says how long to wait, then Retry-After carries those seconds", async () => {
    const res = await throwing(refusal(429, { retryAfterSeconds: 42 }));
    expect(res.status).to.equal(429);
    expect(res.headers["retry-after"]).to.equal("42");
  });

  it("when a 503 says how long to wait, then Retry-After carries those seconds", async () => {
    const res = await throwing(refusal(503, { retryAfterSeconds: 5 }));
    expect(res.status).to.equal(503);
    expect(res.headers["retry-after"]).to.equal("5");
  });

  it("when another status carries retryAfterSeconds, then no Retry-After is sent", async () => {
    const res = await throwing(refusal(409, { retryAfterSeconds: 5 }));
    expect(res.headers).not.to.have.property("retry-after");
  });

  // The header is only ever delta-seconds: anything that is not a whole positive number of
  // seconds is left out (the body still carries it), never written into a header.
  for (const [what, value] of [
    ["text", "5"],
    ["a header injection", "5\r\nSet-Cookie: a=b"],
    ["a fraction", 1.5],
    ["zero", 0],
    ["a negative number", -3],
    ["infinity", Infinity],
    ["a number past the safe integers", 2 ** 60],
    ["null", null],
  ] as const) {
    it(`when retryAfterSeconds is ${what}, then no Retry-After is sent`, async () => {
      const res = await throwing(refusal(429, { retryAfterSeconds: value }));
      expect(res.status).to.equal(429);
      expect(res.headers).not.to.have.property("retry-after");
    });
  }

  it("when a 429 carries no details or details of another shape, then no Retry-After is sent", async () => {
    for (const details of [undefined, [1], "60", { wait: 60 }]) {
      const res = await throwing(refusal(429, details));
      expect(res.headers, JSON.stringify(details)).not.to.have.property("retry-after");
    }
  });
});
