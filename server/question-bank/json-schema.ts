import { z } from "zod";
import { BlueprintFile, QuestionFile } from "../contracts/question-bank.js";

/**
 * The JSON Schemas of the roadcert exchange format, generated from the zod contracts so they cannot
 * drift (question-bank/schema/ holds the committed copies; a unit test compares them). Input mode:
 * fields with defaults are optional in files. Rules that need code (the answer must fit the type)
 * are stated in the descriptions and enforced by the importer.
 */
export function roadcertJsonSchemas(): Record<string, unknown> {
  const base = "https://roadcert.example/schema";
  const questions = z.toJSONSchema(QuestionFile, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  });
  const blueprint = z.toJSONSchema(BlueprintFile, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  });
  return {
    "roadcert-questions.schema.json": {
      ...questions,
      $id: `${base}/roadcert-questions.schema.json`,
      title: "roadcert question file (roadcert-questions/1)",
      description:
        'A file of questions in roadcert\'s exchange format. Per question: true_false has no options and answers ["T"] or ["F"]; single has options A–D and exactly one answer key; multiple has options A–D and two or more answer keys. `ref` must be unique across the whole bank.',
    },
    "roadcert-blueprint.schema.json": {
      ...blueprint,
      $id: `${base}/roadcert-blueprint.schema.json`,
      title: "roadcert blueprint file (roadcert-blueprint/1)",
      description:
        "One paper blueprint (组卷方案) for one practitioner category: questions per type × chapter, minutes, pass mark, points, scoring, retake policy and accommodations.",
    },
  };
}

/** The committed text of one schema file (stable formatting, trailing newline). */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
