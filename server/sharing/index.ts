/**
 * Sharing (数据共享): the province side of the national hub, and the signed inter-node transport
 * that both the hub and province nodes use.
 *
 * Glossary: a *node key* (Ed25519) signs every inter-node request and response per RFC 9421 with an
 * RFC 9530 Content-Digest; a *nonce* makes every request unique, and a replay gets the stored answer;
 * the *message log* is the insert-only, hash-chained record of every message at both ends; a
 * *receipt* is the hub's signed per-record answer to a collection batch.
 */
export { contentDigest, contentDigestMatches, SignatureError, type MessageView } from "./http-signature.js";
export { createMessageLog, type MessageLog, type MessageLogDoc, type MessageLogInput } from "./message-log.js";
export {
  clockRefusedAtPeer,
  createNodeClient,
  notRegisteredAtPeer,
  suspendedAtPeer,
  PeerRefusal,
  TransportError,
  unsignedClockRefusal,
  unverifiedRefusal,
  type NodeClient,
  type PeerNode,
  type SignedAnswer,
} from "./node-client.js";
export {
  authenticatedNode,
  createNodeGate,
  requestView,
  type AuthenticatedNode,
  type KnownNode,
  type NodeGate,
} from "./node-gate.js";
export { signedRouteNotFound } from "./signed-not-found.js";
export { createNodeKeyPinFeature, generateNodeKey, loadOrCreateNodeKey, nodeKeyFrom } from "./node-key.js";
export { createNonceStore, type NonceStore } from "./nonce-store.js";
export {
  DEFAULT_WINDOW,
  keyIdOf,
  nonceKeepSeconds,
  publicKeyFromX,
  signRequest,
  signResponse,
  verifyRequest,
  verifyResponse,
  type NodeKey,
  type TimeWindow,
} from "./signed-message.js";
export { createPublisher, PUBLISHED_EVENTS, recordOf, type Publisher } from "./publisher.js";
export { hubAnswerCode, SEND_WORDS, sendFailure } from "./send-words.js";
export { certificateRecord, certificateRecordVersion, passRecord, toUpdateTime } from "./record-mapper.js";
export { createLegacyTransferOut, type LegacyTransferOut, type TransferIssuedNotice } from "./legacy-transfer.js";
export { createLookupService, type LookupService } from "./lookup.service.js";
export { createSharingFeature, hasHub, type SharingFeature } from "./sharing.feature.js";
export { createStatusListPusher, type StatusListPusher } from "./status-list-pusher.js";
