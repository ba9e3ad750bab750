import { expect } from "chai";
import { downloadFallbackError } from "../../../client/src/shared/download-answer.js";
import { fallbackError } from "../../../client/src/shared/fallback-error.js";

/**
 * A refusal without the server's error body (a proxy's page, an empty 503) reads the same code
 * whether a request or a download met it, each in its own words: the two tables had drifted (a
 * request's 429 read 服务器错误（429）, a download's 413 too).
 */
describe("client: a refusal without the server's error body", () => {
  const STATUSES = [0, 401, 403, 404, 413, 429, 500, 502, 503];

  it("when a request or a download meets the same status, then both carry one code", () => {
    for (const status of STATUSES)
      expect(fallbackError(status, "download").code, String(status)).to.equal(fallbackError(status).code);
  });

  it("when a request is refused, then the message says in Chinese what went wrong for the status", () => {
    const said = (status: number) => fallbackError(status).message;
    expect(said(0)).to.equal("无法连接服务器，请检查网络后重试");
    expect(said(403)).to.equal("无权执行此操作");
    expect(said(404)).to.equal("请求的资源不存在");
    expect(said(413)).to.equal("提交的内容过大");
    expect(said(429)).to.equal("请求过于频繁，请稍后再试");
    expect(said(503)).to.equal("服务暂时不可用，请稍后重试");
    expect(said(500)).to.equal("服务器错误（500），请稍后重试");
  });

  it("when a download is refused, then it reads in the download's words, as it did", () => {
    expect(downloadFallbackError(403)).to.deep.equal(fallbackError(403, "download"));
    expect(downloadFallbackError(403).message).to.equal("无权下载此文件");
    expect(downloadFallbackError(404).message).to.equal("要下载的文件不存在");
    expect(downloadFallbackError(502).message).to.equal("下载失败：服务器错误（502），请稍后重试");
  });
});
