import { expect } from "chai";
import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { PreEncodingEncoder, preEncode } from "../../../server/lib/socket-parser.js";

/** A paper's questions as the candidate sees them (text with quotes, escapes and CJK). */
function questions(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    type: "single",
    stem: `第 ${i + 1} 题："连续驾驶 4 小时"后至少休息多少分钟？\n\t\\ </script>`,
    options: ["A", "B", "C", "D"].map((key) => ({ key, text: `${key} 选项 ${i} \u2028` })),
    points: 1,
  }));
}

function decoded(encoded: unknown[]): Promise<unknown> {
  return new Promise((resolve) => {
    const decoder = new Decoder();
    decoder.on("decoded", (packet: Packet) => resolve(packet.data));
    for (const part of encoded) decoder.add(part as string);
  });
}

describe("socket.io encoder with pre-encoded values", () => {
  const plain = new Encoder();
  const spliced = new PreEncodingEncoder();

  it("when an event carries a pre-encoded paper, then its bytes are exactly socket.io's own encoding", async () => {
    const qs = preEncode(questions(3));
    const packets: Packet[] = [
      {
        type: PacketType.EVENT,
        nsp: "/",
        data: ["attempt:started", { attemptId: "a1", questions: qs, answers: [] }],
      },
      { type: PacketType.EVENT, nsp: "/exam", data: ["x", { questions: qs, again: [qs, { q: qs }] }] },
      { type: PacketType.ACK, nsp: "/", id: 42, data: [{ ok: true, data: { questions: qs, n: null } }] },
    ];
    for (const packet of packets) {
      const ours = spliced.encode(packet);
      expect(ours).to.deep.equal(plain.encode(packet));
      expect(await decoded(ours)).to.deep.equal(JSON.parse(JSON.stringify(packet.data)));
    }
  });

  it("when a pre-encoded paper is sent, then it is neither walked nor encoded again", () => {
    let reads = 0;
    const question = { index: 0, type: "judge", options: [] as unknown[] };
    Object.defineProperty(question, "stem", {
      enumerable: true,
      get: () => {
        reads += 1;
        return "驾驶员连续驾驶 4 小时应休息。";
      },
    });
    const qs = preEncode([question]);
    const before = reads;
    const out = spliced.encode({
      type: PacketType.EVENT,
      nsp: "/",
      data: ["attempt:started", { questions: qs }],
    });
    expect(reads).to.equal(before);
    expect(out[0]).to.include("驾驶员连续驾驶 4 小时应休息。");
  });

  it("when a pre-encoded value is changed afterwards, then the change is refused rather than sent stale", () => {
    const qs = preEncode(questions(1));
    expect(() => {
      (qs[0] as { stem: string }).stem = "changed";
    }).to.throw(TypeError);
    expect(() => (qs as unknown[]).push({})).to.throw(TypeError);
  });

  it("when a packet with a pre-encoded value also carries binary data, then it is socket.io's binary packet", () => {
    const qs = preEncode(questions(1));
    const packet: Packet = {
      type: PacketType.EVENT,
      nsp: "/",
      data: ["photo", { questions: qs, jpeg: Buffer.from([0xff, 0xd8]) }],
    };
    const ours = spliced.encode({ ...packet, data: structuredClone(packet.data) as unknown });
    const theirs = plain.encode({ ...packet, data: structuredClone(packet.data) as unknown });
    expect(ours).to.deep.equal(theirs);
    expect(String(ours[0]).startsWith("51-")).to.equal(true);
  });

  it("when an event or an ack holds binary data and nothing pre-encoded, then it is socket.io's binary packet", () => {
    const packets: Packet[] = [
      { type: PacketType.EVENT, nsp: "/", data: ["photo", { jpeg: Buffer.from([0xff, 0xd8]) }] },
      { type: PacketType.ACK, nsp: "/", id: 7, data: [{ ok: true, data: { raw: new Uint8Array([1, 2]) } }] },
    ];
    for (const packet of packets) {
      const ours = spliced.encode({ ...packet, data: structuredClone(packet.data) as unknown });
      const theirs = plain.encode({ ...packet, data: structuredClone(packet.data) as unknown });
      expect(ours).to.deep.equal(theirs);
      expect(ours).to.have.length(2);
    }
  });

  it("when an ack carries a save's outcome, then its bytes are socket.io's own", () => {
    const ack: Packet = {
      type: PacketType.ACK,
      nsp: "/",
      id: 12,
      data: [{ ok: true, data: { attemptId: "att_1", index: 3, seq: 9, applied: true, deadline: null } }],
    };
    expect(spliced.encode(ack)).to.deep.equal(plain.encode(ack));
  });

  it("when texts look like the splice marker or values were never pre-encoded, then the bytes are socket.io's own", () => {
    const packets: Packet[] = [
      { type: PacketType.EVENT, nsp: "/", data: ["e", { name: "\u0000pre-encoded:", t: '"\u0000"' }] },
      { type: PacketType.EVENT, nsp: "/", data: ["e", { questions: questions(2), at: new Date(0) }] },
      { type: PacketType.CONNECT, nsp: "/", data: { sid: "s" } },
    ];
    for (const packet of packets) expect(spliced.encode(packet)).to.deep.equal(plain.encode(packet));
  });
});
