/**
 * MongoDB server error codes the stand-in answers with. Names and numbers follow the server's
 * `error_codes.yml`, because drivers and mongoose branch on them (for example mongoose ignores 48
 * when its `create` races the first insert, and `withTransaction` retries on the
 * `TransientTransactionError` label).
 */
const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  Unauthorized: 13,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  DollarPrefixedFieldName: 52,
  NotSingleValueField: 54,
  EmptyFieldName: 56,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  MaxTimeMSExpired: 50,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NotExactValueField: 111,
  WriteConflict: 112,
  CannotIndexParallelArrays: 171,
  TransactionTooOld: 225,
  ConversionFailure: 241,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  MergeStageNoMatchingDocument: 13113,
  OperationNotSupportedInTransaction: 263,
  // Codes the server raises from a `uassert` site without a name of their own.
  Location15958: 15958,
  Location15974: 15974,
  Location16004: 16004,
  Location16020: 16020,
  Location16610: 16610,
  Location16611: 16611,
  Location16764: 16764,
  Location16766: 16766,
  Location17080: 17080,
  Location17081: 17081,
  Location17082: 17082,
  Location17083: 17083,
  Location17124: 17124,
  Location17419: 17419,
  Location28667: 28667,
  Location28680: 28680,
  Location31022: 31022,
  Location31023: 31023,
  Location31024: 31024,
  Location28714: 28714,
  Location28756: 28756,
  Location28757: 28757,
  Location28758: 28758,
  Location28759: 28759,
  Location28761: 28761,
  Location28765: 28765,
  Location28766: 28766,
  Location31250: 31250,
  Location31254: 31254,
  Location31275: 31275,
  Location31441: 31441,
  Location40060: 40060,
  Location40061: 40061,
  Location40062: 40062,
  Location40063: 40063,
  Location40064: 40064,
  Location40065: 40065,
  Location40066: 40066,
  Location40067: 40067,
  Location40068: 40068,
  Location40400: 40400,
  Location40414: 40414,
  Location40415: 40415,
  Location40600: 40600,
  Location40601: 40601,
  Location51024: 51024,
  Location51047: 51047,
  Location51080: 51080,
  Location51081: 51081,
  Location51082: 51082,
  Location51083: 51083,
  Location51091: 51091,
  Location51103: 51103,
  Location51104: 51104,
  Location51105: 51105,
  Location51106: 51106,
  Location51107: 51107,
  Location51109: 51109,
  Location51110: 51110,
  Location51111: 51111,
  Location51132: 51132,
  Location51134: 51134,
  Location51178: 51178,
  Location51181: 51181,
  Location51182: 51182,
  Location51183: 51183,
  Location51185: 51185,
  Location51186: 51186,
  Location51187: 51187,
  Location51191: 51191,
  Location51199: 51199,
  Location5107200: 5107200,
  Location5107201: 5107201,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** A command failure, rendered as `{ ok: 0, errmsg, code, codeName, errorLabels?, ...extra }`. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: ErrorCodeName;
  readonly labels: string[];
  readonly extra: Record<string, unknown>;

  constructor(
    codeName: ErrorCodeName,
    message: string,
    options: { labels?: string[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.codeName = codeName;
    this.code = ErrorCodes[codeName];
    this.labels = options.labels ?? [];
    this.extra = options.extra ?? {};
  }

  /** The reply document for this error. */
  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...this.extra,
    };
    if (this.labels.length > 0) reply.errorLabels = this.labels;
    return reply;
  }
}

/** A feature the stand-in deliberately does not implement: fail loudly instead of answering wrongly. */
export function unsupported(feature: string): CommandError {
  return new CommandError(
    "BadValue",
    `mongo-standin does not support ${feature}; use a real MongoDB (see packages/mongo-standin/README.md)`,
  );
}

/** Raised when a client breaks the wire protocol; the server closes only that connection. */
export class ProtocolError extends Error {}
