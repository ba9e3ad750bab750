import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { ANY_HUB_PUBLIC_KEY as HUB_KEY, bootError, productionHubEnv } from "../../helpers/test-config.js";
import { originAllowed } from "../../../server/lib/socket-origin.js";

const production = productionHubEnv();

describe("config: settings an operator gets wrong", () => {
  describe("demo trust (CERT_TRUST_DEMO)", () => {
    it("when production sets CERT_TRUST_DEMO=true, then boot fails naming CERT_TRUST_DEMO", () => {
      expect(bootError({ ...production, CERT_TRUST_DEMO: "true" })).to.include(
        "- CERT_TRUST_DEMO: must not be true in production",
      );
      expect(bootError({ ...production, CERT_TRUST_DEMO: "1" })).to.include("- CERT_TRUST_DEMO:");
    });

    it("when production leaves it unset or false, then the demo list is not trusted; development and tests trust it by default", () => {
      expect(loadConfig(production).certificates.trustDemo).to.equal(false);
      expect(loadConfig({ ...production, CERT_TRUST_DEMO: "false" }).certificates.trustDemo).to.equal(false);
      expect(loadConfig({ ROLE: "hub" }).certificates.trustDemo).to.equal(true);
      expect(loadConfig({ ROLE: "hub", NODE_ENV: "test" }).certificates.trustDemo).to.equal(true);
    });
  });

  describe("ALLOWED_ORIGINS", () => {
    it('when an entry has no scheme, then boot fails naming the entry instead of allowing the origin "null"', () => {
      const message = bootError({
        ROLE: "hub",
        ALLOWED_ORIGINS: "https://kiosk.example, exam.example.gov.cn:443",
      });
      expect(message).to.include("- ALLOWED_ORIGINS").and.to.include('"exam.example.gov.cn:443"');
      expect(message).to.include("http(s)");
    });

    it("when an entry is another scheme or names the null origin, then boot fails naming each", () => {
      const message = bootError({ ROLE: "hub", ALLOWED_ORIGINS: "ftp://files.example,null,file:///x" });
      for (const entry of ['"ftp://files.example"', '"null"', '"file:///x"'])
        expect(message).to.include(entry);
    });

    it("when every entry is an http(s) URL, then each is kept as its origin", () => {
      const config = loadConfig({
        ROLE: "hub",
        ALLOWED_ORIGINS: "https://exam.example.gov.cn:443/start, http://127.0.0.1:5173",
      });
      expect(config.http.allowedOrigins).to.deep.equal([
        "https://exam.example.gov.cn",
        "http://127.0.0.1:5173",
      ]);
    });

    it('when a handshake says Origin: null, then it is refused even if "null" were in the allowed set', () => {
      expect(originAllowed("null", "127.0.0.1:3001", new Set(["null"]))).to.equal(false);
    });
  });

  describe("PUBLIC_URL (the address signed requests must be made for)", () => {
    it("when the hub runs in production without PUBLIC_URL, then boot fails naming PUBLIC_URL", () => {
      const { PUBLIC_URL: _omitted, ...withoutUrl } = production;
      expect(bootError(withoutUrl)).to.include("- PUBLIC_URL: is required on the hub in production");
      // A province receives no signed requests, and development derives the address it listens on.
      expect(
        loadConfig({
          ...withoutUrl,
          ROLE: "province",
          PROVINCE_CODE: "320000",
          HUB_URL: "https://hub.example.gov.cn",
          HUB_PUBLIC_KEY: HUB_KEY,
        }).http.publicOrigin,
      ).to.equal(null);
      expect(loadConfig({ ROLE: "hub" }).http.publicOrigin).to.equal(null);
    });

    it("when PUBLIC_URL is not a bare http(s) origin, then boot fails naming the value", () => {
      for (const url of [
        "hub.example.gov.cn",
        "ftp://hub.example",
        "https://hub.example/api",
        "https://hub.example/?x=1",
        "https://u:p@hub.example",
      ]) {
        const message = bootError({ ROLE: "hub", PUBLIC_URL: url });
        expect(message, url).to.include("- PUBLIC_URL:").and.to.include(JSON.stringify(url));
      }
    });

    it("when PUBLIC_URL is given with upper case, a default port or a trailing slash, then it is kept as its origin", () => {
      expect(
        loadConfig({ ROLE: "hub", PUBLIC_URL: "HTTPS://Hub.Example.GOV.cn:443/" }).http.publicOrigin,
      ).to.equal("https://hub.example.gov.cn");
      expect(loadConfig({ ROLE: "hub", PUBLIC_URL: "http://hub:3000" }).http.publicOrigin).to.equal(
        "http://hub:3000",
      );
    });
  });

  describe("HUB_URL and HUB_PUBLIC_KEY", () => {
    it("when HUB_URL is not an http(s) URL, then boot fails naming HUB_URL", () => {
      for (const url of ["hub:3000", "ftp://hub", "hub"]) {
        const message = bootError({
          ROLE: "province",
          PROVINCE_CODE: "320000",
          HUB_URL: url,
          HUB_PUBLIC_KEY: HUB_KEY,
        });
        expect(message, url).to.include("- HUB_URL: must be an http(s) URL");
      }
    });

    it("when a province sets only one of HUB_URL and HUB_PUBLIC_KEY, then boot fails naming the missing one", () => {
      expect(bootError({ ROLE: "province", PROVINCE_CODE: "320000", HUB_URL: "http://hub:3000" })).to.include(
        "- HUB_PUBLIC_KEY: is required with HUB_URL",
      );
      expect(bootError({ ROLE: "province", PROVINCE_CODE: "320000", HUB_PUBLIC_KEY: HUB_KEY })).to.include(
        "- HUB_URL: is required with HUB_PUBLIC_KEY",
      );
    });

    it("when a province sets both or neither, then it boots", () => {
      const both = loadConfig({
        ROLE: "province",
        PROVINCE_CODE: "320000",
        HUB_URL: "https://hub.example/",
        HUB_PUBLIC_KEY: HUB_KEY,
      });
      expect(both.hub).to.include({ url: "https://hub.example/", publicKey: HUB_KEY });
      expect(loadConfig({ ROLE: "province", PROVINCE_CODE: "320000" }).hub).to.include({
        url: null,
        publicKey: null,
      });
    });
  });

  describe("SHUTDOWN_TIMEOUT_MS", () => {
    it("when it is above ten minutes, then boot fails naming it rather than a timer that fires at once", () => {
      expect(bootError({ ROLE: "hub", SHUTDOWN_TIMEOUT_MS: "3000000000" })).to.match(
        /- SHUTDOWN_TIMEOUT_MS: .*600000/,
      );
      expect(bootError({ ROLE: "hub", SHUTDOWN_TIMEOUT_MS: "600001" })).to.include("- SHUTDOWN_TIMEOUT_MS:");
      expect(loadConfig({ ROLE: "hub", SHUTDOWN_TIMEOUT_MS: "600000" }).shutdownTimeoutMs).to.equal(600_000);
    });
  });

  describe("PROVINCE_CODE", () => {
    it("when it is no province of the division list, then boot fails naming it", () => {
      expect(bootError({ ROLE: "province", PROVINCE_CODE: "170000" })).to.include(
        "- PROVINCE_CODE: 170000 is no province",
      );
    });

    it("when it is the demo trust list's made-up province 990000, then boot fails saying so", () => {
      expect(bootError({ ROLE: "province", PROVINCE_CODE: "990000" })).to.include("- PROVINCE_CODE: 990000");
      expect(bootError({ ROLE: "province", PROVINCE_CODE: "990000" })).to.include("demo");
    });

    it("when it is a real province (兵团 660000 included), then it boots", () => {
      for (const code of ["110000", "320000", "650000", "660000", "820000"])
        expect(loadConfig({ ROLE: "province", PROVINCE_CODE: code }).provinceCode).to.equal(code);
    });

    it("when the hub is given a PROVINCE_CODE, then it boots without one and says the key is ignored", () => {
      const config = loadConfig({ ROLE: "hub", PROVINCE_CODE: "110000" });
      expect(config.provinceCode).to.equal(null);
      expect(config.notices.join("\n")).to.include("PROVINCE_CODE=110000 is ignored when ROLE=hub");
      expect(loadConfig({ ROLE: "hub" }).notices).to.deep.equal([]);
    });

    it("when several of these are wrong at once, then every one is named together", () => {
      const message = bootError({
        ...production,
        ROLE: "province",
        PROVINCE_CODE: "170000",
        CERT_TRUST_DEMO: "true",
        ALLOWED_ORIGINS: "exam.example.gov.cn",
        HUB_URL: "http://hub:3000",
        SHUTDOWN_TIMEOUT_MS: "700000",
      });
      for (const key of [
        "PROVINCE_CODE",
        "CERT_TRUST_DEMO",
        "ALLOWED_ORIGINS",
        "HUB_PUBLIC_KEY",
        "SHUTDOWN_TIMEOUT_MS",
      ])
        expect(message).to.include(`- ${key}`);
    });
  });
});
