import { defineStore } from "pinia";
import { computed, ref } from "vue";
import type { AuthUser, Role } from "@contracts/auth.js";
import { api, ApiError, resetCsrf } from "./api.js";
import { hasAnyRole } from "./roles.js";
import { disconnectSocket } from "./socket.js";

/** The auth endpoints answer `{ user }`; tolerate a bare user too while the API settles. */
function unwrapUser(body: unknown): AuthUser | null {
  if (!body || typeof body !== "object") return null;
  const candidate = "user" in body ? (body as { user: unknown }).user : body;
  if (!candidate || typeof candidate !== "object" || !("roles" in candidate)) return null;
  return candidate as AuthUser;
}

export interface StaffCredentials {
  username: string;
  password: string;
}

export interface CandidateCredentials {
  /** GB 11643 18-digit ID number. */
  idNumber: string;
  /** Admission ticket number (准考证号). */
  ticketNo: string;
}

/** Who is logged in; loaded once from `/api/auth/me` before the first navigation. */
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
      user.value = unwrapUser(await api.get<unknown>("/api/auth/me", { notify: false }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      user.value = null;
    } finally {
      loaded.value = true;
    }
  }

  async function loginStaff(credentials: StaffCredentials): Promise<AuthUser> {
    const u = unwrapUser(await api.post<unknown>("/api/auth/login", credentials));
    return signedIn(u);
  }

  async function loginCandidate(credentials: CandidateCredentials): Promise<AuthUser> {
    const u = unwrapUser(await api.post<unknown>("/api/auth/candidate-login", credentials));
    return signedIn(u);
  }

  function signedIn(u: AuthUser | null): AuthUser {
    // The session id rotates at login, so the CSRF token bound to the old one is stale.
    resetCsrf();
    if (!u) throw new ApiError(500, { code: "invalid_response", message: "登录响应无效" });
    user.value = u;
    loaded.value = true;
    loading = Promise.resolve();
    return u;
  }

  async function logout(): Promise<void> {
    await api.post<unknown>("/api/auth/logout", undefined, { notify: false }).catch(() => undefined);
    disconnectSocket();
    resetCsrf();
    user.value = null;
  }

  function can(allowed: readonly Role[] | undefined): boolean {
    return !!user.value && hasAnyRole(user.value.roles, allowed);
  }

  return { user, loaded, roles, isCandidate, ensureLoaded, refresh, loginStaff, loginCandidate, logout, can };
});
