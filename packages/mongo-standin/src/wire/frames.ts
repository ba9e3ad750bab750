import { ProtocolError } from "../errors.js";

/** Opcodes of the MongoDB wire protocol that the stand-in understands. */
export const OpCode = { REPLY: 1, QUERY: 2004, MSG: 2013 } as const;

/** Largest message the stand-in accepts, announced to drivers as `maxMessageSizeBytes`. */
export const MAX_MESSAGE_BYTES = 48_000_000;
/** Largest document, announced as `maxBsonObjectSize`. */
export const MAX_BSON_BYTES = 16 * 1024 * 1024;
/** Largest document inside a message (a command may exceed a document by 16 KB of envelope). */
export const MAX_COMMAND_DOCUMENT_BYTES = MAX_BSON_BYTES + 16 * 1024;

const HEADER_BYTES = 16;

/** One complete wire message: its standard header plus the body after it. */
export interface Frame {
  requestId: number;
  responseTo: number;
  opCode: number;
  body: Buffer;
}

/**
 * Splits a TCP byte stream into wire messages. Every message starts with a little-endian int32
 * total length (header included); a length below the header size or above the announced maximum
 * can never be valid, so it is a protocol error rather than something to wait for.
 *
 * Reads are kept as they come until the message at the head is complete, then joined once: joining
 * the pending bytes at every read copied a large message once per read (a batch of 500 attempts,
 * a few MB in 64 KB reads, was copied about 60 times over).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total length of the message at the head (already checked), 0 while fewer than 4 bytes are here. */
  private awaiting = 0;

  /** Adds received bytes and returns every message that is now complete. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < Math.max(4, this.awaiting)) return [];
    let pending = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    const frames: Frame[] = [];
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (length < HEADER_BYTES)
        throw new ProtocolError(`message length ${length} is shorter than the header`);
      if (length > MAX_MESSAGE_BYTES)
        throw new ProtocolError(`message length ${length} exceeds ${MAX_MESSAGE_BYTES}`);
      if (pending.length < length) break;
      const message = pending.subarray(0, length);
      frames.push({
        requestId: message.readInt32LE(4),
        responseTo: message.readInt32LE(8),
        opCode: message.readInt32LE(12),
        body: message.subarray(HEADER_BYTES),
      });
      pending = pending.subarray(length);
    }
    this.chunks = pending.length > 0 ? [pending] : [];
    this.buffered = pending.length;
    this.awaiting = pending.length >= 4 ? pending.readInt32LE(0) : 0;
    return frames;
  }
}

/**
 * The standard header of a reply whose body is `bodyLength` bytes. From Node's buffer pool (every
 * byte is written): a buffer of its own per reply was a new ArrayBuffer per reply.
 */
export function frameHeader(requestId: number, responseTo: number, opCode: number, bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeInt32LE(HEADER_BYTES + bodyLength, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return header;
}
