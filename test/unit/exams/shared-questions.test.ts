import { expect } from "chai";
import { decode, encode } from "notepack.io";
import { Encoder, PacketType, type Packet } from "socket.io-parser";
import type { Paper } from "../../../server/contracts/paper.js";
import {
  candidateQuestions,
  createSharedQuestions,
  toCandidateQuestion,
} from "../../../server/exams/index.js";
import { Adapter } from "socket.io-adapter";
import { PreEncodingEncoder, SplicingAdapter } from "../../../server/lib/socket-parser.js";
import { paper, question } from "../../helpers/papers.js";

/** What the candidate must get: the presenter applied to the paper, independently of sharing. */
const expected = (p: Paper) => p.questions.map(toCandidateQuestion);

describe("questions shared between cached papers", () => {
  const first = paper([
    question("q1", ["A", "B", "C", "D"]),
    question("q2", []),
    question("q3", ["D", "C", "B", "A"], { imageId: "img-3" }),
  ]);
  // The same bank questions in another candidate's paper: other positions, q1's options reshuffled.
  const second = paper([
    question("q3", ["D", "C", "B", "A"], { imageId: "img-3" }),
    question("q1", ["B", "A", "D", "C"]),
    question("q2", []),
  ]);

  it("when papers hold the same question, then it is held once, and never for a different option order", () => {
    const shared = createSharedQuestions();
    const a = shared.share(first);
    const b = shared.share(second);
    expect(b[0]).to.equal(a[2]);
    expect(b[2]).to.equal(a[1]);
    expect(b[1]).to.not.equal(a[0]);
    expect(shared.size()).to.equal(4);
    expect(candidateQuestions(a)).to.deep.equal(expected(first));
    expect(candidateQuestions(b)).to.deep.equal(expected(second));
  });

  it("when a shared paper is sent, then its bytes are exactly socket.io's own encoding of the candidate's questions", () => {
    const shared = createSharedQuestions();
    const plain = new Encoder();
    const spliced = new PreEncodingEncoder();
    for (const p of [first, second, paper([])]) {
      const qs = candidateQuestions(shared.share(p));
      const packets = (data: unknown): Packet[] => [
        { type: PacketType.EVENT, nsp: "/", data: ["attempt:started", { attemptId: "a1", questions: data }] },
        {
          type: PacketType.ACK,
          nsp: "/",
          id: 7,
          data: [{ ok: true, data: { questions: data, again: [data] } }],
        },
      ];
      const ours = packets(qs).map((packet) => spliced.encode(packet));
      expect(ours).to.deep.equal(packets(expected(p)).map((packet) => plain.encode(packet)));
      // Twice: the text is built again for each packet, from the same shared parts.
      expect(packets(qs).map((packet) => spliced.encode(packet))).to.deep.equal(ours);
    }
  });

  it("when a room is sent a shared paper, then its websocket frame is byte for byte the adapter's own", () => {
    // A namespace as the adapters read it: only the server's encoder.
    const nsp = (encoder: unknown) =>
      ({ server: { encoder } }) as unknown as ConstructorParameters<typeof Adapter>[0];
    const ours = new SplicingAdapter(nsp(new PreEncodingEncoder()));
    const theirs = new Adapter(nsp(new Encoder()));
    const frameOf = (adapter: Adapter, packet: Packet) => {
      const opts: { wsPreEncodedFrame?: Buffer[] } = {};
      const encoded = (adapter as unknown as { _encode(p: Packet, o: object): unknown[] })._encode(
        packet,
        opts,
      );
      return { encoded, frame: opts.wsPreEncodedFrame && Buffer.concat(opts.wsPreEncodedFrame) };
    };
    const shared = createSharedQuestions();
    for (const p of [first, second, paper([])]) {
      const qs = candidateQuestions(shared.share(p));
      const packets = (data: unknown): Packet[] => [
        {
          type: PacketType.EVENT,
          nsp: "/",
          data: ["attempt:started", { name: "张三", questions: data, n: 1 }],
        },
        { type: PacketType.EVENT, nsp: "/exam", data: ["x", { questions: data, again: [data] }] },
        { type: PacketType.EVENT, nsp: "/", data: ["seat", { name: "李四" }] },
      ];
      const mine = packets(qs).map((packet) => frameOf(ours, packet));
      expect(mine).to.deep.equal(packets(expected(p)).map((packet) => frameOf(theirs, packet)));
      expect(mine.every((m) => m.frame !== undefined)).to.equal(true);
    }
    // Binary data has no frame of its own, in either.
    const binary: Packet = { type: PacketType.EVENT, nsp: "/", data: ["b", Buffer.from([1, 2])] };
    expect(frameOf(ours, binary).frame).to.equal(undefined);
    expect(frameOf(theirs, binary).frame).to.equal(undefined);
  });

  it("when a paper goes to another instance through the Redis adapter's encoding, then the other instance has the same paper", () => {
    // The adapter carries packets as msgpack (notepack.io): only the values travel, never the text.
    const qs = candidateQuestions(createSharedQuestions().share(second));
    const across = decode(encode({ data: ["attempt:started", { questions: qs }] })) as {
      data: [string, { questions: unknown }];
    };
    expect(across.data[1].questions).to.deep.equal(expected(second));
    expect(new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: across.data })).to.deep.equal(
      new Encoder().encode({
        type: PacketType.EVENT,
        nsp: "/",
        data: ["attempt:started", { questions: expected(second) }],
      }),
    );
  });

  it("when a sent question is changed afterwards, then the change is refused, for this paper and every paper sharing it", () => {
    const shared = createSharedQuestions();
    // Shared entries are fixed from the moment they are shared: their text was made then.
    const entry = shared.share(first)[0];
    expect(() => {
      (entry?.view.options[0] as { text: string }).text = "changed";
    }).to.throw(TypeError);
    expect(() => {
      (entry?.view as { stem: string }).stem = "changed";
    }).to.throw(TypeError);
    const qs = candidateQuestions(shared.share(first));
    expect(() => {
      (qs[0] as { stem: string }).stem = "changed";
    }).to.throw(TypeError);
    expect(() => {
      (qs[0]?.options[0] as { text: string }).text = "changed";
    }).to.throw(TypeError);
    expect(() => qs[2]?.options.push({ key: "E", text: "x" })).to.throw(TypeError);
    expect(candidateQuestions(shared.share(second))).to.deep.equal(expected(second));
  });
});
