import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { ANY_HUB_PUBLIC_KEY as HUB_KEY, bootError, productionHubEnv } from "../../helpers/test-config.js";


/** A production province that boots: every key this file takes away one at a time. */
const province: Record<string, string> = {
  NODE_ENV: "production",
  ROLE: "province",
  PROVINCE_CODE: "320000",
  SESSION_SECRET: "s".repeat(32),
  TRUST_PROXY: "true",
  HUB_URL: "https://hub.example.gov.cn",
  HUB_PUBLIC_KEY: HUB_KEY,
  REDIS_URL: "redis://redis:6379",
};

const hub: Record<string, string> = productionHubEnv();

function without(env: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !keys.includes(k)));
}

describe("config: a production node refuses what would run it unsafely", () => {
  it("when a production province and hub are fully configured, then both boot", () => {
    expect(loadConfig(province).hub.url).to.equal("https://hub.example.gov.cn");
    expect(loadConfig(hub).http.publicOrigin).to.equal("https://hub.example.gov.cn");
  });

  describe("the hub link of a province", () => {
    it("when a production province has neither HUB_URL nor HUB_PUBLIC_KEY, then boot fails naming HUB_URL", () => {
      const message = bootError(without(province, "HUB_URL", "HUB_PUBLIC_KEY"));
      expect(message).to.include("- HUB_URL: is required for a province in production");
      expect(message).to.include("HUB_PUBLIC_KEY");
    });

    it("when a development province has no hub, then it still boots (the demo's and tests' lone nodes)", () => {
      const env = without(province, "HUB_URL", "HUB_PUBLIC_KEY", "NODE_ENV");
      expect(loadConfig(env).hub.url).to.equal(null);
    });
  });

  describe("plain HTTP between nodes", () => {
    it("when a production province's HUB_URL is http:, then boot fails naming HUB_URL, localhost included", () => {
      for (const url of [
        "http://hub.example.gov.cn",
        "http://hub:3000",
        "http://127.0.0.1:3000",
        "http://localhost:3000",
      ]) {
        expect(bootError({ ...province, HUB_URL: url }), url).to.match(/- HUB_URL: .*https/);
      }
    });

    it("when the production hub's PUBLIC_URL is http:, then boot fails naming PUBLIC_URL", () => {
      for (const url of ["http://hub.example.gov.cn", "http://hub:3000", "http://localhost:3000"]) {
        expect(bootError({ ...hub, PUBLIC_URL: url }), url).to.match(/- PUBLIC_URL: .*https/);
      }
    });

    it("when the operator sets NODE_LINKS_PLAIN_HTTP=true (a private network), then plain links boot with an insecure-configuration warning", () => {
      const provinceConfig = loadConfig({ ...province, HUB_URL: "http://hub:3000", NODE_LINKS_PLAIN_HTTP: "true" });
      expect(provinceConfig.warnings.join("\n")).to.contain("NODE_LINKS_PLAIN_HTTP=true");
      const hubConfig = loadConfig({ ...hub, PUBLIC_URL: "http://hub:3000", NODE_LINKS_PLAIN_HTTP: "true" });
      expect(hubConfig.warnings.join("\n")).to.contain("NODE_LINKS_PLAIN_HTTP=true");
      expect(loadConfig(province).warnings.join("\n")).not.to.contain("NODE_LINKS_PLAIN_HTTP");
    });

    it("when development uses http: hub links, then it boots (npm start's network on one host)", () => {
      expect(
        loadConfig({ ...without(hub, "NODE_ENV"), PUBLIC_URL: "http://127.0.0.1:3000" }).http.publicOrigin,
      ).to.equal("http://127.0.0.1:3000");
      expect(
        loadConfig({ ...without(province, "NODE_ENV"), HUB_URL: "http://127.0.0.1:3000" }).hub.url,
      ).to.equal("http://127.0.0.1:3000");
    });
  });

  describe("several instances without Redis", () => {
    it("when production has no REDIS_URL and does not say it runs one instance, then boot fails naming REDIS_URL and SINGLE_INSTANCE", () => {
      for (const env of [province, hub]) {
        const message = bootError(without(env, "REDIS_URL"));
        expect(message).to.match(/- REDIS_URL: is required in production/);
        expect(message).to.include("SINGLE_INSTANCE=true");
      }
      expect(bootError({ ...without(hub, "REDIS_URL"), SINGLE_INSTANCE: "false" })).to.include(
        "- REDIS_URL:",
      );
    });

    it("when production says SINGLE_INSTANCE=true, then it boots without Redis", () => {
      const config = loadConfig({ ...without(hub, "REDIS_URL"), SINGLE_INSTANCE: "true" });
      expect(config.redis).to.deep.equal({ url: null, singleInstance: true });
      expect(loadConfig(hub).redis).to.deep.equal({ url: "redis://redis:6379", singleInstance: false });
    });

    it("when development has no REDIS_URL, then it boots", () => {
      expect(loadConfig(without(hub, "REDIS_URL", "NODE_ENV")).redis.url).to.equal(null);
    });

    it("when SINGLE_INSTANCE is not a boolean, then boot fails naming it", () => {
      expect(bootError({ ...hub, SINGLE_INSTANCE: "maybe" })).to.include("- SINGLE_INSTANCE:");
    });
  });
});
