import { expect } from "chai";
import { scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * The creation date a PDF's information dictionary holds: pdfkit writes it as an indirect object
 * (`/CreationDate 14 0 R`, then `14 0 obj (D:YYYYMMDDHHmmssZ) endobj`).
 */
function creationDate(pdf: Buffer): Date {
  const text = pdf.toString("latin1");
  const ref = /\/CreationDate (\d+) 0 R/.exec(text)?.[1];
  const m = new RegExp(`\\n${ref} 0 obj\\n\\(D:(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})Z\\)`).exec(
    text,
  );
  if (!ref || !m) throw new Error("no creation date in the PDF");
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

describe("scheduling: the admission ticket PDF", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  it("when an officer prints a ticket for a session days ahead, then the PDF is dated when it was printed, not at the exam's start", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, {
      count: 1,
      startsInMinutes: 3 * 24 * 60,
    });
    const [c] = candidates;
    if (!c) throw new Error("fixture");
    const before = Math.floor(Date.now() / 1000) * 1000;
    const res = await officer.agent
      .get(`/api/exam-sessions/${session.id}/tickets/${c.id}/pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const after = Date.now();
    const dated = creationDate(res.body as Buffer).getTime();
    expect(dated).to.be.within(before, after);
    expect(dated).to.be.below(Date.parse(session.startsAt));
  });
});
