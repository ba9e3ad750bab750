import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { bootError } from "../../helpers/test-config.js";

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

  describe("session cookies in production", () => {
    const production = {
      NODE_ENV: "production",
      ROLE: "hub",
      SESSION_SECRET: "s".repeat(32),
      PUBLIC_URL: "https://hub.example.gov.cn",
      REDIS_URL: "redis://redis:6379",
    };

    it("when production sets neither TRUST_PROXY nor COOKIE_SECURE, then boot fails naming TRUST_PROXY", () => {
      expect(bootError(production)).to.include("- TRUST_PROXY: production needs TRUST_PROXY=true");
      expect(bootError({ ...production, TRUST_PROXY: "false" })).to.include("- TRUST_PROXY:");
    });

    it("when production runs behind a TLS proxy, then cookies are Secure and nothing is warned", () => {
      const config = loadConfig({ ...production, TRUST_PROXY: "true" });
      expect(config.http.cookieSecure).to.equal(true);
      expect(config.warnings).to.deep.equal([]);
    });

    it("when production opts out with COOKIE_SECURE=false, then it boots without Secure and carries a warning", () => {
      for (const env of [
        { ...production, COOKIE_SECURE: "false" },
        { ...production, COOKIE_SECURE: "0", TRUST_PROXY: "true" },
      ]) {
        const config = loadConfig(env);
        expect(config.http.cookieSecure).to.equal(false);
        expect(config.warnings).to.have.length(1);
        expect(config.warnings[0]).to.match(/^COOKIE_SECURE=false in production/);
      }
    });

    it("when COOKIE_SECURE=true without TRUST_PROXY, then boot fails: the plain-HTTP node would never send the cookie", () => {
      expect(bootError({ ROLE: "hub", COOKIE_SECURE: "true" })).to.include(
        "- COOKIE_SECURE: true needs TRUST_PROXY=true",
      );
      expect(
        loadConfig({ ROLE: "hub", COOKIE_SECURE: "true", TRUST_PROXY: "true" }).http.cookieSecure,
      ).to.equal(true);
    });

    it("when TRUST_PROXY is not a boolean, then boot names TRUST_PROXY alone, not a rule it could not be checked against", () => {
      const message = bootError({ ROLE: "hub", TRUST_PROXY: "maybe", COOKIE_SECURE: "true" });
      expect(message).to.include("- TRUST_PROXY:");
      expect(message).to.not.include("- COOKIE_SECURE:");
    });

    it("when development sets nothing, then cookies are not Secure and nothing is warned", () => {
      const config = loadConfig({ ROLE: "hub" });
      expect(config.http.cookieSecure).to.equal(false);
      expect(config.warnings).to.deep.equal([]);
    });
  });

  it("when the config is loaded, then it is frozen all the way down", () => {
    const config = loadConfig({ ROLE: "hub" });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.http)).to.equal(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).to.throw(TypeError);
  });

  it("when the unsigned-request log limits are unset, then they are 10 per address and 120 in all a minute for 10,000 addresses, summed up after a minute; set, they are used", () => {
    expect(loadConfig({ ROLE: "hub" }).hub.unsignedLog).to.deep.equal({
      perSourcePerMinute: 10,
      totalPerMinute: 120,
      maxSources: 10_000,
      summaryWindowMs: 60_000,
    });
    const config = loadConfig({
      ROLE: "hub",
      HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE: "3",
      HUB_UNSIGNED_LOG_PER_MINUTE: "50",
      HUB_UNSIGNED_LOG_SOURCES: "500",
      HUB_UNSIGNED_LOG_SUMMARY_MS: "5000",
    });
    expect(config.hub.unsignedLog).to.deep.equal({
      perSourcePerMinute: 3,
      totalPerMinute: 50,
      maxSources: 500,
      summaryWindowMs: 5000,
    });
  });

  it("when an unsigned-request log limit is not a positive whole number or too large, then boot fails naming each", () => {
    const message = bootError({
      ROLE: "hub",
      HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE: "0",
      HUB_UNSIGNED_LOG_PER_MINUTE: "many",
      HUB_UNSIGNED_LOG_SOURCES: "100000000",
    });
    for (const key of [
      "HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE",
      "HUB_UNSIGNED_LOG_PER_MINUTE",
      "HUB_UNSIGNED_LOG_SOURCES",
    ])
      expect(message).to.include(`- ${key}:`);
  });

  it("when a number is written in hex, with an exponent or padded, then boot fails naming it rather than reading another number", () => {
    const message = bootError({
      ROLE: "hub",
      PORT: "0x10",
      EXAM_GRACE_SECONDS: "1e1",
      SHUTDOWN_TIMEOUT_MS: " 500",
    });
    for (const key of ["PORT", "EXAM_GRACE_SECONDS", "SHUTDOWN_TIMEOUT_MS"])
      expect(message).to.include(`- ${key}:`);
    expect(bootError({ ROLE: "hub", REPORT_LATENCY_TARGET_HOURS: "0x1" })).to.include(
      "- REPORT_LATENCY_TARGET_HOURS:",
    );
    expect(message).to.include("- PORT: must be a whole number in decimal digits");
    // A whole number out of range is told its bound, not that it is no number.
    const tooBig = bootError({ ROLE: "hub", PORT: "99999", REPORT_LATENCY_TARGET_HOURS: "800" });
    expect(tooBig)
      .to.match(/- PORT: .*65535/)
      .and.to.match(/- REPORT_LATENCY_TARGET_HOURS: .*744/);
    expect(tooBig).not.to.include("decimal");
    const config = loadConfig({ ROLE: "hub", PORT: "4000", REPORT_LATENCY_TARGET_HOURS: "0.5" });
    expect(config.http.port).to.equal(4000);
    expect(config.hub.reportLatencyTargetHours).to.equal(0.5);
  });

  it("when a key is set but empty, then boot fails naming it, not listening on every interface or a random port", () => {
    const message = bootError({ ROLE: "hub", HOST: "", PORT: "", EXAM_GRACE_SECONDS: "" });
    for (const key of ["HOST", "PORT", "EXAM_GRACE_SECONDS"])
      expect(message).to.include(`- ${key}: is set but empty`);
    expect(loadConfig({ ROLE: "hub" }).http).to.include({ host: "127.0.0.1", port: 3000 });
  });
});
