import { expect } from "chai";
import { opensInTab, readDownload } from "../../../client/src/shared/download-answer.js";

/** An answer as a download route sends it: a file with Content-Disposition, or a refusal. */
function answer(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

async function nameOf(disposition: string): Promise<string> {
  const read = await readDownload(answer(200, "x", { "content-disposition": disposition }), "fallback.bin");
  return read.ok ? read.file.filename : `refused ${read.error.code}`;
}

describe("file downloads read through fetch (client)", () => {
  it("when the server refuses with its error body, then the refusal carries the server's code, Chinese message and details", async () => {
    const message = "您的密码由管理员设置，请先在“修改密码”页面设置自己的新密码，再使用其他功能";
    const res = answer(403, JSON.stringify({ error: { code: "password_change_required", message } }), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(await readDownload(res, "报名导入模板.xlsx")).to.deep.equal({
      ok: false,
      status: 403,
      error: { code: "password_change_required", message },
    });
  });

  it("when a refusal has no error body, then its message says in Chinese what went wrong for the status", async () => {
    const said = async (status: number) => {
      const read = await readDownload(
        answer(status, "<html>no</html>", { "content-type": "text/html" }),
        "a.pdf",
      );
      return read.ok ? "saved" : read.error.message;
    };
    expect(await said(401)).to.equal("请先登录");
    expect(await said(403)).to.equal("无权下载此文件");
    expect(await said(404)).to.equal("要下载的文件不存在");
    expect(await said(429)).to.equal("请求过于频繁，请稍后再试");
    expect(await said(503)).to.equal("服务暂时不可用，请稍后重试");
    expect(await said(502)).to.equal("下载失败：服务器错误（502），请稍后重试");
  });

  it("when the server names the file with RFC 5987 filename*, then the Chinese name is used before the plain one", async () => {
    const encoded = encodeURIComponent("报名导入模板.xlsx");
    expect(await nameOf(`attachment; filename*=UTF-8''${encoded}`)).to.equal("报名导入模板.xlsx");
    expect(await nameOf(`attachment; filename="template.xlsx"; filename*=utf-8''${encoded}`)).to.equal(
      "报名导入模板.xlsx",
    );
    // A language tag between the quotes is allowed by RFC 5987.
    expect(await nameOf(`attachment; filename*=UTF-8'zh-CN'${encoded}`)).to.equal("报名导入模板.xlsx");
  });

  it("when only a plain filename is given, quoted or not, then it is used, unescaped, and filename* is never read as it", async () => {
    expect(await nameOf('inline; filename="certificate-320102.pdf"')).to.equal("certificate-320102.pdf");
    expect(await nameOf("attachment; filename=monthly-report-2026-11.csv")).to.equal(
      "monthly-report-2026-11.csv",
    );
    expect(await nameOf('attachment; filename="a \\"b\\".csv"')).to.equal('a "b".csv');
    // A malformed encoding falls back to the plain name, never to the raw percent text.
    expect(await nameOf("attachment; filename*=UTF-8''%E9%A2; filename=\"plain.csv\"")).to.equal("plain.csv");
  });

  it("when the name is missing or names a path, then the fallback or only the last part is used", async () => {
    const read = await readDownload(answer(200, "x"), "session-report.csv");
    expect(read.ok && read.file.filename).to.equal("session-report.csv");
    expect(await nameOf('attachment; filename="../../etc/passwd"')).to.equal("passwd");
    expect(await nameOf(`attachment; filename*=UTF-8''${encodeURIComponent("a\\b/文书.pdf")}`)).to.equal(
      "文书.pdf",
    );
  });

  it("when the download succeeds, then its bytes are kept exactly (a CSV's BOM included)", async () => {
    const csv = "\uFEFF准考证号,姓名\n1,张三\n";
    const read = await readDownload(
      answer(200, csv, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="r.csv"',
      }),
      "x.csv",
    );
    if (!read.ok) throw new Error(`expected the file, got ${read.error.code}`);
    expect(Buffer.from(await read.file.blob.arrayBuffer()).equals(Buffer.from(csv, "utf8"))).to.equal(true);
  });

  it("when a download is answered through a redirect, then it is refused, not saved or opened as the file", async () => {
    const res = answer(200, "<html>login</html>", { "content-type": "text/html" });
    // A Response built here cannot say it was redirected; a fetch that followed one does.
    Object.defineProperty(res, "redirected", { value: true });
    const read = await readDownload(res, "a.pdf");
    expect(read.ok).to.equal(false);
    expect(read.ok ? "" : read.error.message).to.contain("重定向");
  });

  it("when the download succeeds, then the file keeps the content type the server sent", async () => {
    const read = await readDownload(answer(200, "%PDF-1.7", { "content-type": "application/pdf" }), "a.pdf");
    expect(read.ok && read.file.contentType).to.equal("application/pdf");
  });

  it("when a file's content type is the one expected (a PDF by default), then it may open in a tab, parameters and case aside", () => {
    expect(opensInTab("application/pdf")).to.equal(true);
    expect(opensInTab("Application/PDF; charset=binary")).to.equal(true);
    expect(opensInTab("image/png", "image/png")).to.equal(true);
  });

  it("when a file's content type is another one or missing, then it is saved rather than opened in a tab (a blob: page runs as roadcert)", () => {
    expect(opensInTab("text/html; charset=utf-8")).to.equal(false);
    expect(opensInTab("image/svg+xml")).to.equal(false);
    expect(opensInTab("application/pdfx")).to.equal(false);
    expect(opensInTab("")).to.equal(false);
    expect(opensInTab(null)).to.equal(false);
    expect(opensInTab("application/pdf", "image/png")).to.equal(false);
  });
});
