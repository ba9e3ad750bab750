import { expect } from "chai";
import { FrameReader, type Frame } from "../src/wire/frames.js";

/** A wire message of `bodyBytes` bytes of body, its bytes a pattern of `seed`. */
function aMessage(requestId: number, bodyBytes: number, seed: number): Buffer {
  const message = Buffer.alloc(16 + bodyBytes);
  message.writeInt32LE(message.length, 0);
  message.writeInt32LE(requestId, 4);
  message.writeInt32LE(0, 8);
  message.writeInt32LE(2013, 12);
  for (let i = 16; i < message.length; i += 1) message[i] = (i * 31 + seed) & 0xff;
  return message;
}

/** Cuts `bytes` into chunks of the given sizes, cycling through them. */
function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Bytes copied by Buffer.concat while `run` runs (the reader's only way of joining chunks). */
function bytesConcatenated(run: () => void): number {
  const original = Object.getOwnPropertyDescriptor(Buffer, "concat")?.value as typeof Buffer.concat;
  let copied = 0;
  Buffer.concat = ((list: readonly Uint8Array[], totalLength?: number) => {
    const joined = original.call(Buffer, list, totalLength);
    copied += joined.length;
    return joined;
  }) as typeof Buffer.concat;
  try {
    run();
  } finally {
    Buffer.concat = original;
  }
  return copied;
}

describe("mongo-standin: splitting the byte stream into wire messages", () => {
  it("when messages arrive cut anywhere (inside the length, across messages), then each comes out whole and in order", () => {
    const messages = [aMessage(1, 0, 1), aMessage(2, 5, 2), aMessage(3, 70_000, 3), aMessage(4, 3, 4)];
    const stream = Buffer.concat(messages);
    for (const sizes of [[1], [3, 5], [2, 7, 65_536], [stream.length]]) {
      const reader = new FrameReader();
      const frames: Frame[] = chunked(stream, sizes).flatMap((chunk) => reader.push(chunk));
      expect(
        frames.map((f) => f.requestId),
        `chunks of ${sizes.join("/")}`,
      ).to.deep.equal([1, 2, 3, 4]);
      frames.forEach((f, i) => expect(f.body.equals((messages[i] as Buffer).subarray(16))).to.equal(true));
    }
  });

  it("when a 4 MB message (a batch of inserts) arrives in 64 KB reads, then its bytes are joined once, not once per read", () => {
    const message = aMessage(7, 4 * 1024 * 1024, 7);
    const reader = new FrameReader();
    const frames: Frame[] = [];
    const copied = bytesConcatenated(() => {
      for (const chunk of chunked(message, [65_536])) frames.push(...reader.push(chunk));
    });
    expect(frames).to.have.length(1);
    expect(frames[0]?.body.length).to.equal(4 * 1024 * 1024);
    // Joining the pending bytes again at every read copied about 64 times the message.
    expect(copied).to.be.at.most(2 * message.length);
  });
});
