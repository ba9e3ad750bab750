import type { RequestHandler } from "express";
import { AppError } from "../lib/errors.js";

/**
 * The last handler of a signed router, after the gate's `authenticate` and before its
 * `errorHandler`: a request that passed the gate but matched no route is refused 404
 * `route_not_found` (the app's code for an unknown route), so the answer leaves signed, logged and
 * kept against the nonce like any refusal. Falling through to the app's 404 left it unsigned, out
 * of the log, and its nonce `processing` until it expired.
 */
export const signedRouteNotFound: RequestHandler = (req, _res, next) => {
  next(new AppError("route_not_found", 404, `找不到接口 ${req.method} ${req.baseUrl}${req.path}`));
};
