/**
 * What other parts of the client use of identity: the kiosk address that binds a seat computer
 * (made on the organisation page, read by the login page), and where a staff login lands.
 */
export { kioskAddress, takeSeatToken } from "./kiosk-link.js";
export { pageAfterLogin, safeRedirect } from "./login-target.js";
