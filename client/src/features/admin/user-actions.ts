import { ElMessage } from "element-plus";
import type { StaffUserDto } from "@contracts/staff-accounts.js";
import { confirmed } from "@/shared/confirm.js";
import { adminApi } from "./admin.api.js";
import { grantPasswordText, grantText, isStaleEdit, mayDecideGrant } from "./user-edit.js";

interface Deps {
  /** Reads the list again after a change. */
  load: () => Promise<unknown>;
  /** Another admin changed the account since the list was read: reloads it and says so. */
  reloadStale: () => Promise<void>;
  /** The signed-in admin. */
  viewer: () => { id: string; divisionCode: string } | null | undefined;
}

/**
 * The users list's row actions (启用/停用, 批准/驳回, 解除锁定): each sends the account's version
 * where the server requires it (expected_version_required) and reloads the list after.
 */
export function useUserActions({ load, reloadStale, viewer }: Deps) {
  /**
   * 停用 ends the account's logins at once, so it is confirmed with the account named (as the
   * nodes page's 停用 is); 启用 restores access and is not. Used as the switch's before-change: a
   * cancelled confirmation leaves the switch where it was.
   */
  async function confirmToggle(u: StaffUserDto): Promise<boolean> {
    if (!u.active) return true;
    return confirmed(
      `停用后“${u.displayName}”（${u.username}）将不能登录，已登录的会话也会立即结束。确认停用？`,
      "停用账号",
      "确认停用",
    );
  }

  async function toggleActive(u: StaffUserDto, active: boolean): Promise<void> {
    let saved: StaffUserDto;
    try {
      saved = await adminApi.updateUser(u.id, { active, expectedVersion: u.version });
    } catch (err) {
      if (isStaleEdit(err)) return reloadStale();
      throw err;
    }
    // A privileged account re-enabled stays disabled until a second admin approves (its roles too).
    if (active && saved.pendingGrant?.reEnables)
      ElMessage.warning(
        `账号 ${u.username} 的${grantText(saved.pendingGrant)}须另一名管理员批准后生效，在此之前仍为停用`,
      );
    else if (active && saved.pendingGrant)
      ElMessage.warning(
        `已启用账号 ${u.username}；其${grantText(saved.pendingGrant)}须另一名管理员批准后生效`,
      );
    else ElMessage.success(active ? `已启用账号 ${u.username}` : `已停用账号 ${u.username}，其登录已结束`);
    await load();
  }

  /**
   * 批准/驳回 a grant waiting on the account (four-eyes: its requester cannot approve it, the
   * server refuses that too; they may withdraw it with 驳回). Confirmed, naming what is granted
   * and what the decision does to the password (see grantPasswordText).
   */
  async function decideGrant(u: StaffUserDto, grant: "approve" | "reject"): Promise<void> {
    if (!u.pendingGrant) return;
    const what = grantText(u.pendingGrant);
    const password = grantPasswordText(u.pendingGrant, grant);
    const ok = await confirmed(
      grant === "approve"
        ? `批准后“${u.displayName}”（${u.username}）将获得：${what}。${password}确认批准？`
        : `驳回后将撤销对“${u.displayName}”（${u.username}）的授权：${what}。${password}确认驳回？`,
      grant === "approve" ? "批准授权" : "驳回授权",
      grant === "approve" ? "确认批准" : "确认驳回",
    );
    if (!ok) return;
    try {
      await adminApi.updateUser(u.id, { grant, expectedVersion: u.version });
    } catch (err) {
      if (isStaleEdit(err)) return reloadStale();
      throw err;
    }
    ElMessage.success(
      grant === "approve" ? `已批准对 ${u.username} 的授权` : `已驳回对 ${u.username} 的授权`,
    );
    await load();
  }

  /** 批准 and 驳回 are offered only to the admins the server lets decide (see mayDecideGrant). */
  const mayDecide = (u: StaffUserDto, decision: "approve" | "reject") =>
    mayDecideGrant(u, viewer(), decision);

  async function unlock(u: StaffUserDto): Promise<void> {
    await adminApi.updateUser(u.id, { unlock: true });
    ElMessage.success(`已解除 ${u.username} 的锁定`);
    await load();
  }

  return { confirmToggle, toggleActive, decideGrant, mayDecide, unlock };
}
