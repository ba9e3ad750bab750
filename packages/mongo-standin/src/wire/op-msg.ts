import { serialize, type Document } from "bson";
import { CommandError, ProtocolError } from "../errors.js";
import { decodeDocument } from "./command-decode.js";
import { MAX_COMMAND_DOCUMENT_BYTES } from "./frames.js";

/** OP_MSG flag bits (wire protocol spec, "OP_MSG"). */
const CHECKSUM_PRESENT = 1 << 0;
export const MORE_TO_COME = 1 << 1;
/** Bits 0-15 are required: a receiver must reject unknown ones; 16-31 are optional. */
const KNOWN_REQUIRED_BITS = CHECKSUM_PRESENT | MORE_TO_COME;

/** A decoded OP_MSG: the command body with kind-1 sequences merged in as arrays. */
interface CommandMessage {
  command: Document;
  /** The client expects no reply (`moreToCome`), e.g. `endSessions`. */
  moreToCome: boolean;
}

/** A decoded legacy OP_QUERY (only used by drivers for the first `hello`/`isMaster`). */
interface LegacyQuery {
  collection: string;
  query: Document;
}

/**
 * Reads one BSON document at `offset`, checking its declared length against the buffer before
 * handing it to the codec, so a lying length cannot read past the message.
 */
function readDocument(buf: Buffer, offset: number, end: number): { doc: Document; next: number } {
  if (offset + 5 > end) throw new ProtocolError("truncated BSON document");
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError(`invalid BSON document size ${size}`);
  // A well-framed document over the server's internal limit is the client's error to hear about,
  // not a broken connection: the server answers 10334 BSONObjectTooLarge and keeps serving.
  if (size > MAX_COMMAND_DOCUMENT_BYTES)
    throw new CommandError(
      "BSONObjectTooLarge",
      `BSONObj size: ${size} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${MAX_COMMAND_DOCUMENT_BYTES}(16MB)`,
    );
  try {
    return { doc: decodeDocument(buf, offset, offset + size), next: offset + size };
  } catch (error) {
    // A well-formed document holding what the stand-in refuses is answered, not a broken connection.
    if (error instanceof CommandError) throw error;
    throw new ProtocolError(`invalid BSON: ${(error as Error).message}`);
  }
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError("unterminated cstring");
  return { value: buf.toString("utf8", offset, zero), next: zero + 1 };
}

/**
 * Decodes an OP_MSG body. Kind 0 is the command; each kind-1 section is a document sequence
 * (`documents`, `updates`, `deletes`) that belongs in the command under its identifier. The
 * optional CRC-32C checksum is skipped: TCP already protects the bytes and drivers only send it
 * when asked to.
 */
export function parseOpMsg(body: Buffer): CommandMessage {
  if (body.length < 5) throw new ProtocolError("OP_MSG too short");
  const flags = body.readUInt32LE(0);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_BITS) !== 0)
    throw new ProtocolError(`unknown required OP_MSG flags ${flags}`);
  const end = flags & CHECKSUM_PRESENT ? body.length - 4 : body.length;
  let offset = 4;
  let command: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = body.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (command) throw new ProtocolError("OP_MSG with two kind-0 sections");
      const read = readDocument(body, offset, end);
      command = read.doc;
      offset = read.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError("truncated document sequence");
      const size = body.readInt32LE(offset);
      const seqEnd = offset + size;
      if (size < 5 || seqEnd > end) throw new ProtocolError(`invalid document sequence size ${size}`);
      const id = readCString(body, offset + 4, seqEnd);
      const docs: Document[] = [];
      let at = id.next;
      while (at < seqEnd) {
        const read = readDocument(body, at, seqEnd);
        docs.push(read.doc);
        at = read.next;
      }
      sequences.push([id.value, docs]);
      offset = seqEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) throw new ProtocolError("OP_MSG without a command section");
  for (const [id, docs] of sequences) command[id] = docs;
  return { command, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

/**
 * A reply's body as its parts: the bytes before the document, then the document. They are written
 * one after the other (server.ts), never joined: joining them and then the header copied a read's
 * document twice more and made two more buffers of its size (issue 17).
 */
export type ReplyParts = [prefix: Buffer, document: Uint8Array];

/** Flags 0 and a kind-0 section: what precedes every reply document the stand-in sends. */
const OP_MSG_PREFIX = Buffer.alloc(5);

/** Encodes a reply as an OP_MSG body with a single kind-0 section. */
export function encodeOpMsg(reply: Document): ReplyParts {
  return [OP_MSG_PREFIX, serialize(reply)];
}

/** Decodes a legacy OP_QUERY body: flags, full collection name, skip, return count, query. */
export function parseOpQuery(body: Buffer): LegacyQuery {
  if (body.length < 4) throw new ProtocolError("OP_QUERY too short");
  const name = readCString(body, 4, body.length);
  const offset = name.next + 8;
  const { doc } = readDocument(body, offset, body.length);
  const query = (doc.$query as Document | undefined) ?? doc;
  return { collection: name.value, query };
}

/** Response flags 0, cursor 0, starting from 0, one document returned (little-endian). */
const OP_REPLY_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);

/** Encodes an OP_REPLY body holding one document (the answer to the legacy handshake). */
export function encodeOpReply(reply: Document): ReplyParts {
  return [OP_REPLY_PREFIX, serialize(reply)];
}
