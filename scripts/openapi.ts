/**
 * `npm run openapi`: writes the hub's OpenAPI 3.1 documents (generated from the zod contracts) to
 * docs/openapi/. A unit test fails when the committed files differ from what the contracts say.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OPENAPI_DOCUMENTS } from "../server/hub/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const [name, build] of Object.entries(OPENAPI_DOCUMENTS)) {
  const file = path.join(root, "docs/openapi", `${name}.json`);
  await writeFile(file, JSON.stringify(build(), null, 2) + "\n");
  console.log(`wrote ${path.relative(root, file)}`);
}
