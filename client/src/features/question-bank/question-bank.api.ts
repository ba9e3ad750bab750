import type { CategoryCode } from "@contracts/categories.js";
import type { ItemStat } from "@contracts/item-stats.js";
import type { Paper } from "@contracts/paper.js";
import type {
  BlueprintDto,
  BlueprintInput,
  FeasibilityDto,
  QuarantineKeptDto,
  QuestionDto,
  QuestionInput,
  QuestionListQuery,
  QuestionType,
  ReviewQueueDto,
} from "@contracts/question-bank.js";
import type { ImportReport, QuestionImportBody } from "@contracts/question-import.js";
import { api, type Sent } from "@/shared/api.js";

const base = "/api/question-bank";

/** The question list's filters, as the route's query schema takes them. */
export type QuestionFilters = Sent<typeof QuestionListQuery>;

/** Typed calls to the question bank's REST API. */
export const bankApi = {
  list: (filters: QuestionFilters) =>
    api.get<{ items: QuestionDto[]; total: number }>(`${base}/questions`, { query: { ...filters } }),
  get: (id: string) => api.get<QuestionDto>(`${base}/questions/${id}`),
  versions: (id: string) => api.get<{ items: QuestionDto[] }>(`${base}/questions/${id}/versions`),
  create: (input: QuestionInput) => api.post<QuestionDto>(`${base}/questions`, input),
  /** `expectedUpdatedAt`: the `updatedAt` of the version the form was read from (refused question_changed if stale). */
  update: (id: string, input: QuestionInput, expectedUpdatedAt: string) =>
    api.put<QuestionDto>(`${base}/questions/${id}`, { ...input, expectedUpdatedAt }),
  submit: (id: string) => api.post<QuestionDto>(`${base}/questions/${id}/submit`, {}),
  approve: (id: string, comment?: string) =>
    api.post<QuestionDto>(`${base}/questions/${id}/approve`, comment ? { comment } : {}),
  returnForChanges: (id: string, comment: string) =>
    api.post<QuestionDto>(`${base}/questions/${id}/return`, { comment }),
  retire: (id: string, comment?: string) =>
    api.post<QuestionDto>(`${base}/questions/${id}/retire`, comment ? { comment } : {}),
  quarantine: (id: string, quarantined: boolean, reason?: string) =>
    api.post<QuestionDto>(`${base}/questions/${id}/quarantine`, {
      quarantined,
      ...(reason ? { reason } : {}),
    }),
  uploadImage: (id: string, filename: string, dataBase64: string) =>
    api.put<QuestionDto>(`${base}/questions/${id}/image`, { filename, dataBase64 }),
  removeImage: (id: string) => api.delete<QuestionDto>(`${base}/questions/${id}/image`),
  imageUrl: (imageId: string) => `${base}/images/${imageId}`,
  reviewQueue: (categoryCode?: CategoryCode) =>
    api.get<ReviewQueueDto>(`${base}/review-queue`, { query: { categoryCode } }),
  summary: (categoryCode: CategoryCode) =>
    api.get<{ items: { type: QuestionType; chapter: string; count: number }[] }>(
      `${base}/summary/${categoryCode}`,
    ),
  blueprints: (categoryCode?: CategoryCode) =>
    api.get<{ items: BlueprintDto[] }>(`${base}/blueprints`, { query: { categoryCode } }),
  saveBlueprint: (blueprint: BlueprintInput, publish: boolean) =>
    api.post<BlueprintDto>(`${base}/blueprints`, { blueprint, publish }),
  publishBlueprint: (id: string, version: number) =>
    api.post<BlueprintDto>(`${base}/blueprints/${id}/versions/${version}/publish`, {}),
  feasibility: (blueprint: BlueprintInput) =>
    api.post<FeasibilityDto>(`${base}/blueprints/feasibility`, { blueprint }, { notify: false }),
  previewPaper: (categoryCode: CategoryCode, seed: string, blueprintRef?: { id: string; version: number }) =>
    api.post<Paper>(
      `${base}/preview-paper`,
      { categoryCode, seed, ...(blueprintRef ? { blueprintRef } : {}) },
      { notify: false },
    ),
  importFiles: (body: Sent<typeof QuestionImportBody>) => api.post<{ reports: ImportReport[] }>(`${base}/import`, body),
  statistics: (categoryCode: CategoryCode) =>
    api.get<{ items: ItemStat[] }>(`${base}/statistics/${categoryCode}`),
  quarantineNegative: (categoryCode: CategoryCode) =>
    api.post<{ items: ItemStat[]; kept: QuarantineKeptDto[] }>(
      `${base}/statistics/${categoryCode}/quarantine-negative`,
      {},
    ),
};
