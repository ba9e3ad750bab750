import { randomUUID } from "node:crypto";
import { Adapter } from "socket.io-adapter";
import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { ChunkedFrame, textFrame, writesChunkedFrames } from "./socket-frames.js";

/**
 * socket.io's wire format with pre-encoded parts (issue 17, the paper burst at release).
 *
 * A released candidate's paper is about 24 KB of question text that never changes after check-in,
 * yet socket.io's encoder walked it for binary data and JSON-encoded it again in the release burst,
 * when 5,000 papers go out at once (a fifth of the node's CPU there). A value passed to
 * `preEncode` keeps its JSON text, made once when the paper is cached; the encoder below splices
 * that text into the packet instead of walking and encoding the value again. The bytes on the wire
 * are exactly what socket.io's own encoder writes (tested), so clients see no difference; a packet
 * holding binary data, or a value that was never pre-encoded (e.g. one that arrived from another
 * instance through the Redis adapter), goes through socket.io's encoder as before.
 */

/** A value's JSON text, or what writes it (and its UTF-8 bytes, if known) when a packet carries the value. */
type Spliced = string | { text: () => string; utf8?: () => Buffer[] };
const texts = new WeakMap<object, Spliced>();

/** A spliced packet's parts, kept with the encoder's result until an adapter makes its frame. */
interface SplicedParts {
  pieces: string[];
  entries: Spliced[];
  parts: string[];
}
const splicedPackets = new WeakMap<readonly unknown[], SplicedParts>();

/** A marker no sent text can hold: a NUL and a per-process random id, as JSON writes it. */
const MARK = `\u0000pre-encoded:${randomUUID()}`;
const QUOTED_MARK = JSON.stringify(MARK);

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

/**
 * Keeps the JSON text of `value` for every later packet that carries it, and freezes it: a change
 * after this would otherwise be sent as the old text (in strict code the change throws instead).
 * Only for plain JSON data (no Buffers, Dates or toJSON).
 */
export function preEncode<T extends object>(value: T): T {
  if (texts.has(value)) return value;
  deepFreeze(value);
  texts.set(value, JSON.stringify(value));
  return value;
}

/**
 * As `preEncode`, but the text is written by `textOf` each time a packet carries `value`, so it is
 * not held meanwhile (a paper's text is built from question texts shared between papers,
 * exams/shared-questions.ts). `textOf` must return exactly `JSON.stringify(value)`, and depend only
 * on frozen data: `value` is frozen here for the same reason as in `preEncode`. A value that is
 * already frozen is taken to be frozen all through (its parts are not walked). `utf8Of`, when
 * given, must return chunks that together are exactly the UTF-8 bytes of `textOf()`: a room's
 * websocket frame is then copied from them instead of converting the text (`SplicingAdapter`).
 */
export function preEncodeWith<T extends object>(value: T, textOf: () => string, utf8Of?: () => Buffer[]): T {
  if (texts.has(value)) return value;
  deepFreeze(value);
  texts.set(value, utf8Of ? { text: textOf, utf8: utf8Of } : { text: textOf });
  return value;
}

/** Whether `value` holds binary data outside pre-encoded values (socket.io-parser's `hasBinary`), and whether it holds any of those. */
function scan(value: unknown, found: { binary: boolean; pre: boolean }): void {
  if (found.binary || value === null || typeof value !== "object") return;
  if (texts.has(value)) {
    found.pre = true;
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) scan(item, found);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Blob) {
    found.binary = true;
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    // As socket.io-parser does: what toJSON returns is what gets sent.
    const json: unknown = toJSON.call(value);
    if (json !== value) scan(json, found);
    return;
  }
  for (const key in value)
    if (Object.prototype.hasOwnProperty.call(value, key))
      scan((value as Record<string, unknown>)[key], found);
}

/** socket.io-parser's own text encoding of a packet (declared private; the tests pin its bytes). */
interface TextEncoding {
  encodeAsString(packet: Packet): string;
}

/** socket.io-parser's Encoder, splicing in the JSON text of pre-encoded values. */
export class PreEncodingEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder["encode"]> {
    if ((packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK) || packet.data == null)
      return super.encode(packet);
    const found = { binary: false, pre: false };
    scan(packet.data, found);
    if (found.binary) return super.encode(packet);
    // Nothing pre-encoded and, as `scan` just walked it all, no binary data: socket.io's encoder
    // would walk the packet again (`hasBinary`) to arrive at the same text packet. Every ack of a
    // save is such a packet (issue 17).
    if (!found.pre) return [(this as unknown as TextEncoding).encodeAsString(packet)];
    const parts: string[] = [];
    const entries: Spliced[] = [];
    const json = JSON.stringify(packet.data, (_key, value: unknown) => {
      const entry = value !== null && typeof value === "object" ? texts.get(value) : undefined;
      if (entry === undefined) return value;
      parts.push(typeof entry === "string" ? entry : entry.text());
      entries.push(entry);
      return MARK;
    });
    const pieces = json.split(QUOTED_MARK);
    // Never silently wrong: anything but one marker per spliced value is encoded the usual way.
    if (pieces.length !== parts.length + 1) return super.encode(packet);
    let out = String(packet.type);
    if (packet.nsp && packet.nsp !== "/") out += `${packet.nsp},`;
    if (packet.id != null) out += String(packet.id);
    // The packet's head goes with the first piece, so the frame below writes the same text.
    pieces[0] = out + pieces[0];
    out = pieces[0];
    for (let i = 0; i < parts.length; i += 1) out += `${parts[i]}${pieces[i + 1]}`;
    const encoded = [out];
    if (entries.some((e) => typeof e !== "string" && e.utf8))
      splicedPackets.set(encoded, { pieces, entries, parts });
    return encoded;
  }
}

/**
 * The UTF-8 bytes of engine.io's message `"4" + encoded[0]`, as chunks in order, when `encoded` is
 * a spliced packet whose values know their bytes, built from those bytes; otherwise null.
 */
export function splicedChunks(encoded: readonly unknown[]): Uint8Array[] | null {
  const spliced = splicedPackets.get(encoded);
  if (!spliced) return null;
  const { pieces, entries, parts } = spliced;
  const chunks: Uint8Array[] = [Buffer.from(`4${pieces[0] as string}`)];
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] as Spliced;
    if (typeof entry !== "string" && entry.utf8) for (const chunk of entry.utf8()) chunks.push(chunk);
    else chunks.push(Buffer.from(parts[i] as string));
    chunks.push(Buffer.from(pieces[i + 1] as string));
  }
  return chunks;
}

/**
 * socket.io's adapter, building a room's websocket frame of a spliced packet from its parts' UTF-8
 * bytes (issue 17: converting each 24 KB paper to UTF-8 was a fifth of the node's CPU in the
 * release burst). On a server whose engine writes chunked frames (socket-frames.ts) the frame
 * keeps those bytes as parts, copied into a reused buffer as the socket writes it; elsewhere they
 * are copied into one new buffer here. Everything else is the adapter's own `_encode`: the encoded
 * packets are the same, and so are the frame's bytes (tested against the adapter's own).
 */
export function splicingFrames<A extends Adapter>(adapter: A): A {
  const self = adapter as unknown as {
    nsp: { server?: unknown };
    encoder: Encoder;
    _encode(packet: Packet, packetOpts: Record<string, unknown>): unknown[];
  };
  // Decided per packet, not once: the adapter is made before the server has its engine.
  self._encode = (packet, packetOpts) => {
    const encoded = self.encoder.encode(packet) as unknown[];
    const chunks = splicedChunks(encoded);
    if (chunks) {
      const frame = new ChunkedFrame(chunks);
      packetOpts.wsPreEncodedFrame = writesChunkedFrames(self.nsp.server)
        ? frame
        : textFrame(frame.copyInto(Buffer.allocUnsafe(frame.size)));
    } else if (encoded.length === 1 && typeof encoded[0] === "string") {
      // As socket.io-adapter's own `_encode` (2.5): one text packet becomes an unmasked, final
      // text frame of `"4" + text`, "4" being engine.io's message type; anything else has none.
      packetOpts.wsPreEncodedFrame = textFrame(Buffer.from(`4${encoded[0]}`));
    }
    return encoded;
  };
  return adapter;
}

/** The in-memory adapter with `splicingFrames` (the `adapter` option of a socket.io Server). */
export class SplicingAdapter extends Adapter {
  constructor(nsp: ConstructorParameters<typeof Adapter>[0]) {
    super(nsp);
    splicingFrames(this);
  }
}

/** The `parser` option of a socket.io Server: socket.io's own decoder, the encoder above. */
export const socketParser = { Encoder: PreEncodingEncoder, Decoder };
