import type { AuthUser } from "../contracts/auth.js";
import "passport";

declare global {
  namespace Express {
    // passport's req.user is roadcert's AuthUser.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AuthUser {}
  }
}
