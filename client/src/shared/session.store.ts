import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { AuthUser, CandidateLoginBody, LoginBody, LoginResultDto, Role, SessionStateDto } from "@contracts/auth.js";
import { api, ApiError, resetCsrf, setCsrfToken, type RequestOptions } from "./api.js";
import { hasAnyRole } from "./roles.js";
import { disconnectSocket } from "./socket.js";

/** Who is logged in; loaded once from `/api/auth/session` before the first navigation. */
export const useSessionStore = defineStore("session", () => {
  const user = ref<AuthUser | null>(null);
  const loaded = ref(false);
  let loading: Promise<void> | null = null;

  const roles = computed<Role[]>(() => user.value?.roles ?? []);
  const isCandidate = computed(() => user.value?.kind === "candidate");

  /** Loads the session once; later calls reuse the first answer (use `refresh` to force). */
  function ensureLoaded(): Promise<void> {
    loading ??= refresh();
    return loading;
  }

  async function refresh(): Promise<void> {
    try {
      // Answers user null when nobody is logged in (no failed request in the browser's console).
      const me = await api.get<SessionStateDto>("/api/auth/session", { notify: false });
      user.value = me.user;
      setCsrfToken(me.csrfToken);
    } catch (err) {
      // 401 (an account disabled meanwhile) or any other failure leaves the visitor on the login page.
      if (!(err instanceof ApiError)) throw err;
      user.value = null;
    } finally {
      loaded.value = true;
    }
  }

  /** `notify`: which refusals api.ts shows as a toast (the login page says a known wait itself). */
  async function loginStaff(credentials: LoginBody, options: Pick<RequestOptions, "notify"> = {}): Promise<AuthUser> {
    // The session id rotates at login: the token of the anonymous session is refetched first.
    resetCsrf();
    return signedIn(await api.post<LoginResultDto>("/api/auth/login", credentials, options));
  }

  async function loginCandidate(
    credentials: CandidateLoginBody,
    options: Pick<RequestOptions, "notify"> = {},
  ): Promise<AuthUser> {
    resetCsrf();
    return signedIn(await api.post<LoginResultDto>("/api/auth/candidate-login", credentials, options));
  }

  function signedIn(result: LoginResultDto): AuthUser {
    // The new session has its own CSRF token; the old one is no longer accepted.
    setCsrfToken(result.csrfToken);
    user.value = result.user;
    loaded.value = true;
    loading = Promise.resolve();
    return result.user;
  }

  /**
   * Ends the login. When the server says it could not (`logout_failed`: its session store kept the
   * login), the page says so and stays as it is, throwing: a page showing "logged out" while a copied
   * cookie still works is worse than a retry. Any other failure (already ended, server unreachable)
   * ends the browser's side all the same.
   */
  async function logout(): Promise<void> {
    const keptByServer = (e: ApiError) => e.code === "logout_failed";
    try {
      await api.post<unknown>("/api/auth/logout", undefined, { notify: keptByServer });
    } catch (e) {
      if (e instanceof ApiError && keptByServer(e)) throw e;
    }
    disconnectSocket();
    resetCsrf();
    user.value = null;
  }

  function can(allowed: readonly Role[] | undefined): boolean {
    return !!user.value && hasAnyRole(user.value.roles, allowed);
  }

  return { user, loaded, roles, isCandidate, ensureLoaded, refresh, loginStaff, loginCandidate, logout, can };
});
