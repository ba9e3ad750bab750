import { expect } from "chai";
import { NO_CODE_IN_PHOTO, noVerdict } from "../../../client/src/features/certificates/no-verdict.js";

const failure = (status: number, message: string) => ({ status, message });

describe("a certificate check that got no verdict (client)", () => {
  it("when the server cannot be reached or fails (5xx), then the page says the verification service is unreachable", () => {
    for (const err of [
      failure(0, "无法连接服务器，请检查网络后重试"),
      failure(502, "服务器错误（502），请稍后重试"),
      failure(500, "服务器内部错误"),
    ]) {
      const shown = noVerdict(err, "无法读取该文件");
      expect(shown.title).to.equal("无法连接核验服务，请稍后重试");
      expect(shown.message).to.include(err.message).and.include("不表示证书有问题");
    }
  });

  it("when the server refuses the request itself (a file over the limit), then the page says the check was not made and why", () => {
    const shown = noVerdict(failure(413, "上传的文件不能超过 10 MB"), "无法读取该文件");
    expect(shown.title).to.equal("未能完成核验");
    expect(shown.message).to.include("上传的文件不能超过 10 MB").and.include("不表示证书有问题");
  });

  it("when the file could not be read in the browser, then the page says so, not that the certificate failed", () => {
    const shown = noVerdict(null, "无法读取该文件");
    expect(shown.title).to.equal("未能完成核验");
    expect(shown.message).to.include("无法读取该文件");
    expect(NO_CODE_IN_PHOTO.title).to.equal("未能完成核验");
    expect(NO_CODE_IN_PHOTO.message).to.include("没有找到二维码").and.include("不表示证书有问题");
  });
});
