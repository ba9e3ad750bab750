import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";

/** The failure message of a config that must not boot. */
function bootError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error("expected loadConfig to throw");
}

describe("config", () => {
  it("when several keys are invalid, then boot fails with one message naming every bad key", () => {
    const message = bootError({
      ROLE: "ministry",
      PORT: "http",
      MONGODB_URI: "postgres://db",
      LOG_LEVEL: "loud",
      EXAM_GRACE_SECONDS: "600",
    });
    expect(message).to.match(/^Invalid configuration:/);
    for (const key of ["ROLE", "PORT", "MONGODB_URI", "LOG_LEVEL", "EXAM_GRACE_SECONDS"]) {
      expect(message).to.include(`- ${key}:`);
    }
  });

  it("when TIME_ZONE is not an IANA zone, then boot fails naming it; unset, the node shows Asia/Shanghai", () => {
    expect(bootError({ ROLE: "hub", TIME_ZONE: "China/Beijing" })).to.include("- TIME_ZONE:");
    expect(loadConfig({ ROLE: "hub" }).timeZone).to.equal("Asia/Shanghai");
  });

  it("when ROLE=province has no PROVINCE_CODE, then boot fails naming PROVINCE_CODE", () => {
    const message = bootError({ ROLE: "province" });
    expect(message).to.include("- PROVINCE_CODE: is required when ROLE=province");
  });

  it("when a province lacks PROVINCE_CODE and other keys are bad too, then all of them are named together", () => {
    const message = bootError({ ROLE: "province", PORT: "99999", NODE_ENV: "production" });
    for (const key of ["PROVINCE_CODE", "PORT", "SESSION_SECRET"]) expect(message).to.include(`- ${key}:`);
  });

  it("when PROVINCE_CODE is not a GB/T 2260 province code, then boot fails naming it", () => {
    expect(bootError({ ROLE: "province", PROVINCE_CODE: "320100" })).to.include("- PROVINCE_CODE:");
    expect(bootError({ ROLE: "province", PROVINCE_CODE: "32000" })).to.include("- PROVINCE_CODE:");
  });

  it("when production has no SESSION_SECRET, then boot fails naming SESSION_SECRET", () => {
    const message = bootError({
      NODE_ENV: "production",
      ROLE: "hub",
      MONGODB_URI: "mongodb://db:27017/roadcert",
    });
    expect(message).to.include("- SESSION_SECRET: is required in production");
  });

  it("when the session secret is too short, then boot fails naming SESSION_SECRET", () => {
    expect(bootError({ ROLE: "hub", SESSION_SECRET: "short" })).to.include("- SESSION_SECRET:");
  });

  it("when a province is configured, then the config carries its code, defaults and a derived node name", () => {
    const config = loadConfig({ ROLE: "province", PROVINCE_CODE: "320000" });
    expect(config.role).to.equal("province");
    expect(config.provinceCode).to.equal("320000");
    expect(config.nodeName).to.equal("province-320000");
    expect(config.http.port).to.equal(3000);
    expect(config.mongo.uri).to.equal(null);
    expect(config.mongo.dataDir).to.equal("./data");
  });

  it("when the hub is configured, then it has no province code even if one is set", () => {
    const config = loadConfig({ ROLE: "hub", PROVINCE_CODE: "110000", PORT: "4000", TRUST_PROXY: "yes" });
    expect(config.provinceCode).to.equal(null);
    expect(config.nodeName).to.equal("hub");
    expect(config.http.port).to.equal(4000);
    expect(config.http.trustProxy).to.equal(true);
  });

  it("when the config is loaded, then it is frozen all the way down", () => {
    const config = loadConfig({ ROLE: "hub" });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.http)).to.equal(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).to.throw(TypeError);
  });
});
