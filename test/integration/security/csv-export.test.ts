import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import { readCsvRows } from "../../../server/lib/csv.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { questionInput } from "../question-bank/bank-context.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe("CSV exports neutralise formula cells", function () {
  this.timeout(60_000);
  let node: Node;
  let examiner: AuthedAgent;
  let reviewer: AuthedAgent;

  before(async () => {
    node = await startTestNode();
    examiner = await staffAgent(node, { roles: ["examiner"] });
    reviewer = await staffAgent(node, { roles: ["reviewer"] });
  });
  after(async () => {
    await node?.stop();
  });

  it("when a question's texts start with =, +, - or @, then the CSV export writes them as text, never as formulas", async () => {
    const input = questionInput({
      stem: '=HYPERLINK("http://evil.example","点我")',
      options: [
        { key: "A", text: "+1+1" },
        { key: "B", text: "@SUM(1)" },
        { key: "C", text: "-2+3" },
        { key: "D", text: "普通选项" },
      ],
      explanation: "\t=1",
    });
    const q = (await examiner.agent.post("/api/question-bank/questions").send(input).expect(201))
      .body as QuestionDto;
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    await reviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({}).expect(200);

    const res = await examiner.agent.get("/api/question-bank/export").query({ format: "csv" }).expect(200);
    const text = res.text.replace(/^\uFEFF/, "").replaceAll("\r\n", "\n");
    const fields = [...readCsvRows(text)].flatMap((r) => r.fields);
    expect(fields).to.include.members([
      '\'=HYPERLINK("http://evil.example","点我")',
      "'+1+1",
      "'@SUM(1)",
      "'-2+3",
    ]);
    expect(fields.filter((f) => /^[=+\-@\t\r]/.test(f))).to.deep.equal([]);
  });

  it("when a stored tag holds a list separator, then the CSV export is refused 422 export_tag_separator as a plain error, not as the attachment", async () => {
    const q = (await examiner.agent.post("/api/question-bank/questions").send(questionInput({})).expect(201))
      .body as QuestionDto;
    // Written before the contract refused such tags: only stored data can hold one now.
    await node.ctx.conn
      .collection("question_versions")
      .updateMany({ questionId: q.id }, { $set: { tags: ["城市|高速"] } });
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    await reviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({}).expect(200);
    const res = await examiner.agent.get("/api/question-bank/export").query({ format: "csv" }).expect(422);
    expect(res.body.error.code).to.equal("export_tag_separator");
    expect(res.headers["content-disposition"]).to.equal(undefined);
  });
});
