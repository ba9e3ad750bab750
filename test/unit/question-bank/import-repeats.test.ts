import { expect } from "chai";
import { parseImportFile } from "../../../server/question-bank/import-readers.js";

const options = [
  { key: "A", text: "5 分钟" },
  { key: "B", text: "20 分钟" },
  { key: "C", text: "2 分钟" },
  { key: "D", text: "不需要休息" },
];

function question(ref: string, answer: string, stem = "连续驾驶 4 小时后至少应休息多久？") {
  return {
    ref,
    type: "single",
    stem,
    options,
    answer: [answer],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001"],
    difficulty: 3,
    tags: [],
    source: "",
  };
}

const jsonFile = (questions: unknown[]) => ({
  name: "q.json",
  content: JSON.stringify({ format: "roadcert-questions/1", title: "t", questions }),
});

describe("question import: what a file repeats", () => {
  it("when a JSON question names a key twice, then it is refused naming the key and the question's place, not read as the last one", () => {
    const a = JSON.stringify(question("DUP-1", "A"));
    const twice = a.replace(/}$/, ',"answer":["C"]}');
    const content = `{"format":"roadcert-questions/1","title":"t","questions":[${JSON.stringify(question("DUP-0", "B", "夜间会车时应当如何使用灯光？"))},${twice}]}`;
    const parsed = parseImportFile({ name: "q.json", content });
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(parsed.items[0]?.outcome).to.equal("ok");
    const item = parsed.items[1];
    expect(item?.outcome).to.equal("invalid");
    expect(item?.code).to.equal("malformed_item");
    expect(item?.notes.join("")).to.contain("answer").and.contain("questions[1]");
    expect(item?.question).to.equal(undefined);
  });

  it("when a key repeats inside an option of a JSON question, then that question is refused too", () => {
    const q = JSON.stringify(question("DUP-2", "A")).replace(
      '"text":"5 分钟"',
      '"text":"5 分钟","text":"50 分钟"',
    );
    const parsed = parseImportFile({
      name: "q.json",
      content: `{"format":"roadcert-questions/1","title":"t","questions":[${q}]}`,
    });
    expect(parsed.items[0]?.outcome).to.equal("invalid");
    expect(parsed.items[0]?.notes.join("")).to.contain("text");
  });

  it("when the same question appears twice under different refs with different answer keys, then both are refused, each naming the other", () => {
    const parsed = parseImportFile(jsonFile([question("SAME-1", "B"), question("SAME-2", "C")]));
    const [first, second] = parsed.items;
    expect(first?.outcome).to.equal("invalid");
    expect(second?.outcome).to.equal("invalid");
    expect(first?.notes.join("")).to.contain("questions[1]");
    expect(second?.notes.join("")).to.contain("questions[0]");
  });

  it("when the same question appears twice under different refs with the same answer key, then the later one is refused as a repeat of the first", () => {
    const parsed = parseImportFile(jsonFile([question("TWIN-1", "B"), question("TWIN-2", "B")]));
    expect(parsed.items[0]?.outcome).to.equal("ok");
    expect(parsed.items[1]?.outcome).to.equal("invalid");
    expect(parsed.items[1]?.notes.join("")).to.contain("questions[0]");
  });

  it("when two questions share a stem but differ in an option, then both are imported", () => {
    const other = {
      ...question("DIFF-2", "B"),
      options: options.map((o) => (o.key === "D" ? { ...o, text: "1 小时" } : o)),
    };
    const parsed = parseImportFile(jsonFile([question("DIFF-1", "B"), other]));
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["ok", "ok"]);
  });

  it("when a CSV repeats a question under two refs with different answers, then both rows are refused naming each other's row", () => {
    const content = [
      "ref,type,stem,A,B,C,D,answer,chapter,categories",
      "CSV-1,single,连续驾驶多久须休息？,甲,乙,丙,丁,A,安全行车,01001",
      "CSV-2,single,连续驾驶多久须休息？,甲,乙,丙,丁,B,安全行车,01001",
    ].join("\n");
    const parsed = parseImportFile({ name: "q.csv", content });
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["invalid", "invalid"]);
    expect(parsed.items[0]?.notes.join("")).to.contain(parsed.items[1]!.location);
    expect(parsed.items[1]?.notes.join("")).to.contain(parsed.items[0]!.location);
  });
});
