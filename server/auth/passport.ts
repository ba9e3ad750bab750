import type { Request } from "express";
import passportModule from "passport";
import { Strategy as LocalStrategy } from "passport-local";
import type { AuthUser } from "../contracts/auth.js";
import type { AuthService } from "./auth.service.js";
import { credEpochOf } from "./cred-epoch.js";

/**
 * What the session keeps: staff are re-read on every request (role changes apply at once), with
 * the credential epoch of the account their password was checked against (`e`; absent in logins
 * made before it was kept: 0, the epoch of an account never changed since).
 */
type SessionRecord = { k: "staff"; id: string; e?: number } | { k: "candidate"; user: AuthUser };

/**
 * A passport instance per node (never the global singleton: tests run several nodes in one
 * process) with two strategies: `staff-local` (username + password) and `candidate` (ID number +
 * admission ticket number, from a seat of the session's room).
 */
export function createPassport(auth: AuthService) {
  const passport = new passportModule.Passport();

  passport.use(
    "staff-local",
    new LocalStrategy({ session: true, passReqToCallback: true }, (req, username, password, done) => {
      auth.authenticateStaff(username, password, { ip: req.ip ?? req.socket.remoteAddress }).then(
        (user) => done(null, user),
        (err: unknown) => done(err),
      );
    }),
  );

  passport.use(
    "candidate",
    new LocalStrategy(
      { usernameField: "idNumber", passwordField: "ticketNo", passReqToCallback: true },
      (req, idNumber, ticketNo, done) => {
        const body = req.body as { seatToken?: string };
        auth
          .authenticateCandidate(
            { idNumber, ticketNo, seatToken: body.seatToken },
            { ip: req.ip ?? req.socket.remoteAddress },
          )
          .then(
            ({ user, validUntil }) => {
              // The login route copies this into the regenerated session after req.logIn.
              if (req.res) req.res.locals.candidateUntil = validUntil.getTime();
              done(null, user);
            },
            (err: unknown) => done(err),
          );
      },
    ),
  );

  passport.serializeUser((user: Express.User, done) => {
    // The epoch of the very document the password was checked against (authenticateStaff, or the
    // change's own write): read again here, a login checked before a change would take the new one.
    const record: SessionRecord =
      user.kind === "staff"
        ? { k: "staff", id: user.id, e: credEpochOf(user) ?? 0 }
        : { k: "candidate", user: { ...user } };
    done(null, record);
  });

  passport.deserializeUser(
    (req: Request, record: SessionRecord, done: (err: unknown, user?: Express.User | false) => void) => {
      if (record.k === "candidate") {
        const until = req.session.candidateUntil ?? 0;
        // The window was given on the node's database clock: it is read on that clock too.
        if (auth.now().getTime() <= until) return done(null, record.user);
        // Past the window given at login: held on while the candidate is still sitting, as exam
        // delivery decides on the database's clock (null once over), not this instance's.
        auth.candidateSittingUntil(record.user).then((later) => {
          if (!later) return done(null, false);
          req.session.candidateUntil = later.getTime();
          done(null, record.user);
        }, done);
        return;
      }
      // A login made before the password was changed or reset, or the account deactivated, has ended
      // even where its session document outlived the change (written after the change ended logins).
      auth.staffById(record.id).then(
        (user) => done(null, user && (credEpochOf(user) ?? 0) === (record.e ?? 0) ? user : false),
        (err: unknown) => done(err),
      );
    },
  );

  return passport;
}
export type PassportInstance = ReturnType<typeof createPassport>;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === "string" ? err : "authentication failed");
}

/** Runs a passport strategy as a promise: the AuthUser, or the AppError the strategy raised. */
export function runStrategy(
  passport: PassportInstance,
  name: string,
  req: Request,
  res: import("express").Response,
): Promise<AuthUser> {
  return new Promise((resolve, reject) => {
    const handler = passport.authenticate(
      name,
      { session: false },
      (err: unknown, user: AuthUser | false) => {
        if (err) return reject(asError(err));
        if (!user) return reject(new Error("strategy returned no user"));
        resolve(user);
      },
    ) as import("express").RequestHandler;
    void handler(req, res, (err?: unknown) => reject(asError(err)));
  });
}

/** `req.logIn` as a promise (passport regenerates the session id on login: no fixation). */
export function logIn(req: Request, user: AuthUser): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(user, (err: unknown) => (err ? reject(asError(err)) : resolve()));
  });
}
