import { existsSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { startTestNode } from "../../helpers/node.js";
import { testDataDir } from "../../helpers/test-config.js";

describe("test nodes keep their files out of the working copy", function () {
  this.timeout(60_000);

  it("when a test node starts and makes its keys, then they are in the test process's own folder, not in ./data where npm start keeps the demo's", async () => {
    const node = await startTestNode({ provinceCode: "320000" });
    try {
      const { certificates, nodeKey } = node.ctx.config;
      const own = testDataDir();
      for (const dir of [certificates.keysDir, nodeKey.dir]) {
        expect(path.resolve(dir).startsWith(own + path.sep), dir).to.equal(true);
        expect(path.resolve(dir).startsWith(path.resolve("data")), dir).to.equal(false);
      }
      // The node made its certificate keys on start: they are there, in the test's folder (a check
      // that passed on an empty folder would not show where the node writes).
      expect(existsSync(certificates.keysDir), certificates.keysDir).to.equal(true);
    } finally {
      await node.stop();
    }
  });
});
