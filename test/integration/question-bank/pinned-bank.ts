import { expect } from "chai";
import type { Ack } from "../../../server/contracts/errors.js";
import type { BlueprintDto, QuestionDto } from "../../../server/contracts/question-bank.js";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import type { AckDataOf } from "../../../server/contracts/socket-events.js";
import {
  aSessionThroughApi,
  connectSocket,
  registerTestCandidate,
  staffAgent,
  type AuthedAgent,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { call, ok, type ExamSocket } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { blueprintInput, questionInput } from "./bank-context.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** A province node and the staff who write (examiner), approve (reviewer) and schedule (officer of 320100). */
export interface BankNode {
  node: Node;
  examiner: AuthedAgent;
  reviewer: AuthedAgent;
  officer: AuthedAgent;
}

/** Starts a node and logs its examiner, reviewer and officer in; stop `node` after the tests. */
export async function aBankNode(): Promise<BankNode> {
  const node = await startTestNode();
  return {
    node,
    examiner: await staffAgent(node, { roles: ["examiner"] }),
    reviewer: await staffAgent(node, { roles: ["reviewer"] }),
    officer: await staffAgent(node, { roles: ["officer"], divisionCode: "320100" }),
  };
}

/** A published question with the input it was written from (an import sends that input again). */
export interface PublishedQuestion {
  input: Record<string, unknown>;
  dto: QuestionDto;
}

/** `n` published single-choice questions of 01001 in `chapter`: written by the examiner, approved by the reviewer. */
export async function publishedQuestions(
  bank: BankNode,
  n: number,
  chapter: string,
): Promise<PublishedQuestion[]> {
  const out: PublishedQuestion[] = [];
  for (let i = 0; i < n; i++) {
    const input = questionInput({ chapter });
    const created = await bank.examiner.agent.post("/api/question-bank/questions").send(input).expect(201);
    const id = (created.body as QuestionDto).id;
    await bank.examiner.agent.post(`/api/question-bank/questions/${id}/submit`).expect(200);
    const approved = await bank.reviewer.agent
      .post(`/api/question-bank/questions/${id}/approve`)
      .send({})
      .expect(200);
    out.push({ input, dto: approved.body as QuestionDto });
  }
  return out;
}

/** A blueprint version with one cell of `count` × `chapter`, saved by the examiner, published by the reviewer: current from then on. */
export async function publishedBlueprint(
  bank: BankNode,
  count: number,
  chapter: string,
  title: string,
): Promise<BlueprintDto> {
  const saved = await bank.examiner.agent
    .post("/api/question-bank/blueprints")
    .send({ blueprint: blueprintInput(count, { title, cells: [{ type: "single", chapter, count }] }) })
    .expect(201);
  const { id, version } = saved.body as BlueprintDto;
  const published = await bank.reviewer.agent
    .post(`/api/question-bank/blueprints/${id}/versions/${version}/publish`)
    .expect(200);
  return published.body as BlueprintDto;
}

/**
 * The audit's repro: v1 needs exactly the `chapter` questions there are (3), a session with one
 * candidate pins v1, then v2 (needing 2) becomes the current version, so only the session holds v1.
 */
export async function aSessionNeedingEveryQuestion(
  bank: BankNode,
  chapter: string,
  startsAt = new Date(Date.now() + 60_000),
) {
  const questions = await publishedQuestions(bank, 3, chapter);
  const v1 = await publishedBlueprint(bank, 3, chapter, `${chapter}方案`);
  const session = await aSessionThroughApi(bank.node, bank.officer, startsAt);
  expect(session.blueprint).to.deep.equal({ id: v1.id, version: v1.version });
  const candidate = await registerTestCandidate(bank.node, { categories: ["01001"] });
  await bank.officer.agent
    .post(`/api/exam-sessions/${session.id}/assignments`)
    .send({ candidateId: candidate.id })
    .expect(201);
  const v2 = await publishedBlueprint(bank, 2, chapter, `${chapter}新方案`);
  return { questions, v1, v2, session, candidate };
}

/**
 * A proctor of the session's test centre, logged in and watching it over a real socket, checks
 * `candidate` in (入场核验): the ack as the proctor got it, refusals included.
 */
export async function checkInAck(
  node: Node,
  session: ExamSessionDto,
  candidate: { id: string; idNumber: string },
): Promise<Ack<AckDataOf<"proctor:check_in">>> {
  const proctor = await staffAgent(node, {
    roles: ["proctor"],
    testCentreId: session.testCentreId,
    divisionCode: session.divisionCode,
  });
  const socket = (await connectSocket(node, proctor)) as unknown as ExamSocket;
  try {
    ok(await call(socket, "proctor:watch", { sessionId: session.id }));
    return await call(socket, "proctor:check_in", {
      sessionId: session.id,
      candidateId: candidate.id,
      idNumber: candidate.idNumber,
    });
  } finally {
    socket.close();
  }
}

/** The proctor checks the candidate in: the frozen paper's question count, or the refusal's code. */
export async function checkIn(
  node: Node,
  session: ExamSessionDto,
  candidate: { id: string; idNumber: string },
): Promise<number | string | undefined> {
  const res = await checkInAck(node, session, candidate);
  if (!res.ok) return res.error.code;
  const paper = await examDb(node.ctx.conn).Papers.findById(res.data.seat.attemptId).lean();
  return paper?.paper.questions.length;
}
