import { ElMessage } from "element-plus";
import type { AuthorityDto, RoomDto, TestCentreDto } from "@contracts/organisation.js";
import { ApiError } from "@/shared/api.js";
import { confirmed, prompted } from "@/shared/confirm.js";
import { adminApi } from "./admin.api.js";
import { centreChanges } from "./centre-changes.js";

/**
 * Editing and retiring (停用) organisation data from the organisation page. Each asks first and
 * says what retiring means; the server refuses while something is still in use and its message
 * (which session, how many centres) is shown as it comes. Each resolves true when data changed.
 */
function ask(title: string, message: string, value: string): Promise<string | null> {
  return prompted(message, title, {
    inputValue: value,
    confirmButtonText: "保存",
    inputValidator: (v: string) => (v.trim().length > 0 ? true : "不能为空"),
  });
}

function confirmRetire(what: string): Promise<boolean> {
  return confirmed(
    `停用后${what}不再用于新的考试安排，已有记录保留不变。仍有未结束场次时系统将拒绝停用。`,
    `停用${what}`,
    "停用",
  );
}

export async function editCentre(c: TestCentreDto): Promise<boolean> {
  const name = await ask("修改考点", "考点名称", c.name);
  if (name === null) return false;
  const address = await ask("修改考点", "考点地址", c.address);
  if (address === null) return false;
  const changes = centreChanges(c, { name, address });
  if (!changes) {
    ElMessage.info("未作修改");
    return false;
  }
  await adminApi.updateTestCentre(c.id, changes);
  ElMessage.success("考点已修改");
  return true;
}

export async function renameRoom(c: TestCentreDto, r: RoomDto): Promise<boolean> {
  const name = await ask("考场改名", "考场名称", r.name);
  if (name === null || name === r.name) return false;
  await adminApi.renameRoom(c.id, r.id, name);
  ElMessage.success("考场已改名");
  return true;
}

export async function retireRoom(c: TestCentreDto, r: RoomDto): Promise<boolean> {
  if (!(await confirmRetire(`考场“${r.name}”`))) return false;
  await adminApi.retireRoom(c.id, r.id);
  ElMessage.success("考场已停用");
  return true;
}

export async function retireCentre(c: TestCentreDto): Promise<boolean> {
  if (!(await confirmRetire(`考点“${c.name}”`))) return false;
  await adminApi.retireTestCentre(c.id);
  ElMessage.success("考点已停用");
  return true;
}

export async function retireAuthority(a: AuthorityDto): Promise<boolean> {
  if (!(await confirmRetire(`运管机构“${a.name}”`))) return false;
  await adminApi.retireAuthority(a.id);
  ElMessage.success("运管机构已停用");
  return true;
}

/** Runs an edit or retirement above and reloads when it changed something (refusals show the server's reason). */
export async function act(change: Promise<boolean>, reload: () => Promise<unknown>): Promise<void> {
  try {
    if (await change) await reload();
  } catch (err) {
    // Already shown to the admin by the API layer (e.g. 还有 1 个未结束的考试场次…).
    if (!(err instanceof ApiError)) throw err;
  }
}
