// The answers an item takes, as buttons: the report's AnswerItem and the capture walk-through offer the same
// ones, in the values PUT .../answers/{scope}/{item_id} accepts (AnswerPut).
import { QUALITIES, answerValue, type Answer, type AnswerKind, type AnswerValue, type Quality } from "./reviewApi";

export const NOT_VISIBLE = "not_visible";
export const NOT_APPLICABLE = "not_applicable";

export interface Choice {
  text: string;
  value: AnswerValue;
}

/** Any item may be looked for and not seen, or not apply to this home. */
export const PERSON_ONLY_CHOICES: readonly Choice[] = [
  { text: "Not visible", value: NOT_VISIBLE },
  { text: "N/A", value: NOT_APPLICABLE },
];

/** A conditional item's condition, each implying the thing is there. */
export const CONDITION_CHOICES: readonly Choice[] = QUALITIES.map((q: Quality) => ({ text: q, value: { exists: true, condition: q } }));

/** The item's own answers: yes/no, present/not present (a conditional item keeps the condition it has), or a quality. */
export function kindChoices(kind: AnswerKind | null | undefined, current: AnswerValue): Choice[] {
  if (kind === "boolean") return [{ text: "Yes", value: true }, { text: "No", value: false }];
  if (kind === "product") return [{ text: "Present", value: true }, { text: "Not present", value: false }];
  if (kind === "categorical") return QUALITIES.map((q) => ({ text: q, value: q }));
  const cond = current && typeof current === "object" && current.exists ? current.condition : null;
  return [
    { text: "Present", value: { exists: true, condition: cond } },
    { text: "Not present", value: { exists: false, condition: null } },
  ];
}

export function sameValue(a: AnswerValue, b: AnswerValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A value in words ("present, poor", "not visible", "Good"); null reads "not assessed". */
export function valueText(value: AnswerValue): string {
  if (value === null) return "not assessed";
  if (value === true) return "yes";
  if (value === false) return "no";
  if (typeof value === "object") return value.exists ? `present${value.condition ? `, ${value.condition.toLowerCase()}` : ""}` : "not present";
  return String(value).replace(/_/g, " ");
}

/**
 * A value in the words of the item's own choices ("Present", "Not present", "Yes", "Poor", "Not visible"), as
 * the buttons read: a product is never "yes", a conditional item never "present" in lower case.
 */
export function choiceWords(value: AnswerValue, kind: AnswerKind | null | undefined): string {
  if (value === null) return "Not assessed";
  const personOnly = PERSON_ONLY_CHOICES.find((c) => sameValue(c.value, value));
  if (personOnly) return personOnly.text;
  if (typeof value === "object") {
    if (!value.exists) return "Not present";
    return value.condition ? `Present, condition ${value.condition.toLowerCase()}` : "Present";
  }
  const own = kindChoices(kind, value).find((c) => sameValue(c.value, value));
  if (own) return own.text;
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value).replace(/_/g, " ");
}

/**
 * What the model said beneath a person's answer, in the item's choice words; null when it said nothing (taking
 * the person's answer back then leaves the item not assessed). A product the model looked for and did not see
 * is "Not seen": not seeing it in the photos is not knowing it is not there.
 */
export function modelAnswerWords(answer: Answer): string | null {
  const value = answerValue(answer.model_value);
  if (answer.kind === "product" && value !== true && answer.model) return "Not seen";
  return value === null ? null : choiceWords(value, answer.kind);
}
