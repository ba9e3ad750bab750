import { expect } from "chai";
import type { ImportReport } from "../../../server/contracts/question-import.js";
import { importHeadline } from "../../../server/contracts/question-import-stop.js";
// The command line's wording, as scripts/bank-import.ts imports it.
import { importStop, stopSummary } from "../../../server/question-bank/index.js";

function report(items: ImportReport["items"], extra: Partial<ImportReport> = {}): ImportReport {
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, invalid: 0 };
  for (const i of items) counts[i.outcome]++;
  return {
    file: "f.csv",
    format: "csv",
    dryRun: false,
    rejected: false,
    counts,
    items,
    blueprints: [],
    ...extra,
  };
}

describe("question import page: the head of a file's report", () => {
  it("when an import stopped after 2 questions were written, then it says so and where it stopped, not 'nothing imported'", () => {
    const h = importHeadline(
      report([
        { location: "第 2 行", outcome: "created", notes: [] },
        { location: "第 3 行", outcome: "created", notes: [] },
        {
          location: "第 4 行",
          outcome: "invalid",
          code: "question_ref_renamed",
          notes: ["本批未写入：编号 X"],
        },
      ]),
    );
    expect(h.tag).to.equal("warning");
    expect(h.stop).to.equal("已写入 2 题，自 第 4 行 起未导入：本批未写入：编号 X");
    expect(h.label).to.not.contain("未导入任何内容");
  });

  it("when an import stopped before anything was written, then it says it stopped and why", () => {
    const h = importHeadline(
      report([{ location: "第 2 行", outcome: "invalid", code: "import_failed", notes: ["导入中断"] }], {
        rejected: true,
      }),
    );
    expect(h).to.deep.equal({
      tag: "danger",
      label: "导入中断，未写入任何题目",
      stop: "导入中断，未写入任何题目：导入中断",
    });
  });

  it("when a file is refused for an invalid item, then it says nothing was imported", () => {
    const h = importHeadline(
      report([{ location: "第 2 行", outcome: "invalid", code: "invalid_item", notes: ["答案"] }], {
        rejected: true,
      }),
    );
    expect(h).to.deep.equal({ tag: "danger", label: "文件有错误，未导入任何内容" });
  });

  it("when a dry run finds an invalid item in an all-or-nothing file, then the head says the file has errors, as the import would", () => {
    const h = importHeadline(
      report(
        [
          {
            location: "第 3 行",
            outcome: "invalid",
            code: "malformed_item",
            notes: ["应有 10 列，实有 4 列"],
          },
        ],
        {
          dryRun: true,
          rejected: true,
        },
      ),
    );
    expect(h).to.deep.equal({ tag: "danger", label: "文件有错误，未导入任何内容" });
  });

  it("when an import stopped, then the page's line is the command line's summary, word for word", () => {
    const stopped = (written: number, extra: Partial<ImportReport> = {}) =>
      report(
        [
          ...Array.from({ length: written }, (_, i) => ({
            location: `第 ${i + 2} 行`,
            outcome: "created" as const,
            notes: [],
          })),
          {
            location: `第 ${written + 2} 行`,
            outcome: "invalid",
            code: "import_failed",
            notes: ["导入中断"],
          },
        ],
        { rejected: written === 0, ...extra },
      );
    for (const r of [stopped(0), stopped(3), stopped(0, { dryRun: true, rejected: false })]) {
      const stop = importStop(r);
      expect(stop, r.file).to.not.equal(null);
      expect(importHeadline(r).stop).to.equal(stopSummary(r, stop!));
    }
  });
});
