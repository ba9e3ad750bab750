import { expect } from "chai";
import { parseImportFile } from "../../../server/question-bank/index.js";

/** One Moodle multichoice with the given options (the first one right) and <shuffleanswers>. */
function moodle(options: string[], shuffle: string | null): { name: string; content: Buffer } {
  const answers = options
    .map(
      (text, i) =>
        `<answer fraction="${i === 0 ? 100 : 0}" format="plain_text"><text>${text}</text></answer>`,
    )
    .join("");
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><quiz><question type="multichoice">` +
    `<name><text>MX-SHUFFLE</text></name>` +
    `<questiontext format="plain_text"><text>雾天行车应当开启哪种灯？</text></questiontext>` +
    `<single>true</single>${shuffle === null ? "" : `<shuffleanswers>${shuffle}</shuffleanswers>`}` +
    `${answers}</question></quiz>`;
  return { name: "shuffle.xml", content: Buffer.from(xml, "utf8") };
}

/** Papers always shuffle options (assembly.ts): a Moodle item that keeps its order is told so. */
describe("question bank: Moodle XML <shuffleanswers>", () => {
  const defaults = { categories: ["01001" as const], chapter: "安全行车" };

  it("when an item says <shuffleanswers>0</shuffleanswers>, then it imports with a note that its options will be shuffled", () => {
    for (const flag of ["0", "false"]) {
      const [item] = parseImportFile(moodle(["雾灯", "远光灯", "倒车灯", "阅读灯"], flag), defaults).items;
      expect(item?.outcome, flag).to.equal("ok");
      expect(item?.notes.join(""), flag).to.contain("shuffleanswers").and.contain("打乱");
    }
  });

  it("when an item keeps its order and has an option like 以上都对 that points at the others' positions, then it is refused invalid_item", () => {
    for (const last of ["以上都对", "以上说法均不正确", "A和B", "All of the above"]) {
      const [item] = parseImportFile(moodle(["雾灯", "示廓灯", "前照灯", last], "0"), defaults).items;
      expect(item?.outcome, last).to.equal("invalid");
      expect(item?.code, last).to.equal("invalid_item");
      expect(item?.notes.join(""), last).to.contain(last);
    }
  });

  it("when an item shuffles (flag 1 or absent), then no note is added, and an option like 60 公里以上 is not taken for 以上都对", () => {
    for (const flag of ["1", null]) {
      const [item] = parseImportFile(moodle(["雾灯", "远光灯", "倒车灯", "阅读灯"], flag), defaults).items;
      expect(item?.notes.join(""), String(flag)).to.not.contain("shuffleanswers");
    }
    const [speed] = parseImportFile(
      moodle(["60 公里以上", "40 公里", "30 公里", "20 公里"], "0"),
      defaults,
    ).items;
    expect(speed?.outcome).to.equal("ok");
  });
});
