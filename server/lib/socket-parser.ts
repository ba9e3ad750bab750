import { randomUUID } from "node:crypto";
import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";

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

/** A value's JSON text, or a function that writes it when a packet carries the value. */
const texts = new WeakMap<object, string | (() => string)>();

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
 * already frozen is taken to be frozen all through (its parts are not walked).
 */
export function preEncodeWith<T extends object>(value: T, textOf: () => string): T {
  if (texts.has(value)) return value;
  deepFreeze(value);
  texts.set(value, textOf);
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

/** socket.io-parser's Encoder, splicing in the JSON text of pre-encoded values. */
export class PreEncodingEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder["encode"]> {
    if ((packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK) || packet.data == null)
      return super.encode(packet);
    const found = { binary: false, pre: false };
    scan(packet.data, found);
    if (found.binary || !found.pre) return super.encode(packet);
    const parts: string[] = [];
    const json = JSON.stringify(packet.data, (_key, value: unknown) => {
      const text = value !== null && typeof value === "object" ? texts.get(value) : undefined;
      if (text === undefined) return value;
      parts.push(typeof text === "string" ? text : text());
      return MARK;
    });
    const pieces = json.split(QUOTED_MARK);
    // Never silently wrong: anything but one marker per spliced value is encoded the usual way.
    if (pieces.length !== parts.length + 1) return super.encode(packet);
    let out = String(packet.type);
    if (packet.nsp && packet.nsp !== "/") out += `${packet.nsp},`;
    if (packet.id != null) out += String(packet.id);
    out += pieces[0];
    for (let i = 0; i < parts.length; i += 1) out += `${parts[i]}${pieces[i + 1]}`;
    return [out];
  }
}

/** The `parser` option of a socket.io Server: socket.io's own decoder, the encoder above. */
export const socketParser = { Encoder: PreEncodingEncoder, Decoder };
