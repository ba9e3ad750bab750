import { ref } from "vue";
import type { BlueprintInput, FeasibilityDto } from "@contracts/question-bank.js";
import { ApiError } from "@/shared/api.js";
import { BlueprintFormRefusal } from "./blueprint-form.js";
import { bankApi } from "./question-bank.api.js";

/**
 * The blueprint editor's feasibility check: whether the published bank can fill every cell of the
 * blueprint as edited now. `input` builds the blueprint (it may throw BlueprintFormRefusal);
 * `problem` is a refusal known before asking (duplicate accommodations), shown instead of asking.
 */
export function useFeasibilityCheck(input: () => BlueprintInput, problem: () => string) {
  const feasibility = ref<FeasibilityDto | null>(null);
  const feasibilityError = ref("");

  /** Asks whether the published bank can fill every cell of the blueprint as edited now. */
  async function checkFeasibility(): Promise<void> {
    if (problem()) {
      feasibility.value = null;
      feasibilityError.value = problem();
      return;
    }
    try {
      feasibility.value = await bankApi.feasibility(input());
      feasibilityError.value = "";
    } catch (err) {
      feasibility.value = null;
      feasibilityError.value =
        err instanceof BlueprintFormRefusal
          ? err.message
          : err instanceof ApiError
            ? err.code === "validation_failed"
              ? "方案尚未填写完整"
              : err.message
            : "检查失败";
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Re-checks shortly after each edit (checkFeasibility reports its own failures). */
  function recheck(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void checkFeasibility(), 300);
  }

  return { feasibility, feasibilityError, recheck };
}
