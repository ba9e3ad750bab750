import type { z } from "zod";
import { AppError } from "../../lib/errors.js";

/**
 * A report figure the hub made, checked against the contract it is published under. A failure is
 * the hub's own fault: a 500 with a stable code (logged with the zod issues as its cause), never a
 * ZodError, which the error middleware answers 400 validation_failed as if the caller had erred,
 * and never a report signed anyway (a signed report cannot be withdrawn).
 */
export function conformingReport<S extends z.ZodType>(contract: S, value: unknown): z.infer<S> {
  const checked = contract.safeParse(value);
  if (!checked.success)
    throw new AppError(
      "report_contract_broken",
      500,
      "全国中心生成的通报数据不符合已公布的格式，未发布也未返回；请联系全国中心运维人员",
      undefined,
      { cause: checked.error },
    );
  return checked.data;
}
