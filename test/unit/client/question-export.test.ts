import { expect } from "chai";
import { readDownload as readExport } from "../../../client/src/shared/download-answer.js";

/** An answer as the export route sends it (question-bank.routes.ts, `GET /api/question-bank/export`). */
function answer(status: number, body: string, headers: Record<string, string>): Response {
  return new Response(body, { status, headers });
}

describe("question export download (client)", () => {
  it("when the server refuses the export with its error body, then the refusal is read with the server's code and Chinese message", async () => {
    const message = "试题「Q-7」的标签「城市|高速」含分隔符 |，无法导出为 CSV/XLSX";
    const res = answer(422, JSON.stringify({ error: { code: "export_tag_separator", message } }), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(await readExport(res, "roadcert.csv")).to.deep.equal({
      ok: false,
      status: 422,
      error: { code: "export_tag_separator", message },
    });
  });

  it("when a refusal has no error body (a proxy's HTML page), then the refusal read says so in Chinese with the status", async () => {
    const res = answer(502, "<html>Bad gateway</html>", { "content-type": "text/html" });
    const read = await readExport(res, "roadcert.csv");
    expect(read.ok).to.equal(false);
    expect(!read.ok && read.error.message).to.contain("502");
  });

  it("when the export succeeds, then the file keeps the name the server sent in Content-Disposition and its bytes", async () => {
    const csv = "\uFEFFref,stem\nQ-1,题干\n";
    const res = answer(200, csv, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="roadcert-A1.csv"',
    });
    const read = await readExport(res, "roadcert.csv");
    if (!read.ok) throw new Error(`expected the file, got ${read.error.code}`);
    const { file } = read;
    expect(file.filename).to.equal("roadcert-A1.csv");
    // Bytes, not text(): decoding would drop the BOM that tells Excel the CSV is UTF-8.
    expect(Buffer.from(await file.blob.arrayBuffer()).equals(Buffer.from(csv, "utf8"))).to.equal(true);
  });

  it("when Content-Disposition gives an encoded filename* or none, then the encoded name or the fallback is used", async () => {
    const encoded = answer(200, "x", {
      "content-disposition": "attachment; filename=\"a.csv\"; filename*=UTF-8''%E9%A2%98%E5%BA%93.csv",
    });
    const nameOf = async (res: Response) => {
      const read = await readExport(res, "roadcert.csv");
      return read.ok ? read.file.filename : read.error.code;
    };
    expect(await nameOf(encoded)).to.equal("题库.csv");
    expect(await nameOf(answer(200, "x", {}))).to.equal("roadcert.csv");
  });
});
