import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { expect } from "chai";
import type { z } from "zod";
import { InboxQuery } from "../../../server/contracts/exchange.js";
import { ChangesQuery } from "../../../server/contracts/hub.js";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

interface QueryParameter {
  name: string;
  in: string;
  required: boolean;
  schema: { default?: number; minimum?: number; maximum?: number };
}

/** The schema each documented GET route parses its query with (hub.routes.ts, hub-exchange.routes.ts). */
const ROUTE_QUERIES: Record<string, z.ZodObject> = {
  "catalog /catalog/changes": ChangesQuery,
  "catalog /catalog/lookup-notices": ChangesQuery,
  "exchange /exchange/inbox": InboxQuery,
};

describe("hub OpenAPI documents", () => {
  for (const [name, build] of Object.entries(OPENAPI_DOCUMENTS)) {
    it(`when the ${name} document is generated from the contracts, then it is valid OpenAPI 3.1 and equals the committed docs/openapi/${name}.json`, async () => {
      const generated = build();
      const result = await new Validator().validate(generated);
      expect(result.errors ?? []).to.deep.equal([]);
      expect(result.valid).to.equal(true);
      expect((await new Validator().validate(generated)).valid).to.equal(true);
      const committed = JSON.parse(await readFile(new URL(`../../../docs/openapi/${name}.json`, import.meta.url), "utf8")) as unknown;
      expect(committed, "run `npm run openapi` and commit the result").to.deep.equal(JSON.parse(JSON.stringify(generated)));
    });
  }

  it("when a document is broken, then the validator says so (the check can fail)", async () => {
    const broken = { ...OPENAPI_DOCUMENTS.collection(), openapi: "3.1.0", paths: { "/x": { post: { responses: "nope" } } } };
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it("when an operation documents query parameters, then each one's default and bounds are what its route accepts", () => {
    const seen: string[] = [];
    for (const [name, build] of Object.entries(OPENAPI_DOCUMENTS)) {
      const paths = build().paths as Record<string, Record<string, { parameters?: QueryParameter[] }>>;
      for (const [path, operations] of Object.entries(paths)) {
        const query = (operations.get?.parameters ?? []).filter((p) => p.in === "query");
        if (!query.length) continue;
        const route = `${name} ${path}`;
        const schema = ROUTE_QUERIES[route];
        expect(schema, `no route schema listed for ${route}`).to.not.equal(undefined);
        seen.push(route);
        expect(query.map((p) => p.name)).to.deep.equal(Object.keys(schema!.shape));
        const defaults = schema!.parse({}) as Record<string, number>;
        for (const { name: key, required, schema: bounds } of query) {
          expect(required, `${route} ${key}`).to.equal(false);
          expect(bounds.default, `${route} ${key} default`).to.equal(defaults[key]);
          const accepts = (n: number) => schema!.safeParse({ [key]: String(n) }).success;
          expect(accepts(bounds.minimum!), `${route} ${key}=${bounds.minimum}`).to.equal(true);
          expect(accepts(bounds.minimum! - 1), `${route} ${key}=${bounds.minimum! - 1}`).to.equal(false);
          expect(accepts(bounds.maximum!), `${route} ${key}=${bounds.maximum}`).to.equal(true);
          expect(schema!.safeParse({ [key]: String(BigInt(bounds.maximum!) + 1n) }).success).to.equal(false);
        }
      }
    }
    expect(seen.sort()).to.deep.equal(Object.keys(ROUTE_QUERIES).sort());
  });
});
