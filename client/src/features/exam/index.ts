/**
 * What other parts of the client use of the exam room: the check the candidate pages' 退出 asks
 * first, so a sign-out mid-exam does not drop answers the server has not acknowledged.
 */
export { mayLogOut } from "./logout-guard.js";
export { useExamStore } from "./exam.store.js";
