import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { expect } from "chai";
import { OPENAPI_DOCUMENTS } from "../../../server/hub/index.js";

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
});
