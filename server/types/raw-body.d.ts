declare global {
  namespace Express {
    interface Request {
      /** The exact JSON body bytes, kept by the body parser: RFC 9530 digests cover bytes, not parsed values. */
      rawBody?: Buffer;
    }
  }
}
export {};
