import { failureMessage, fieldErrors, fieldSentence, type Failure } from "@/lib/api/problem";
import type { CodeQuote, Discount } from "@/lib/api/types";
import { formatMoney } from "@/lib/format";

/** The query parameter that carries a promo code in an event page's link (`?code=EARLY-BIRD`). */
export const CODE_PARAM = "code";

/**
 * The query parameter naming the code a new hold was placed without (it had no use left):
 * the hold keeps no trace of a code it did not take, so its page learns it from its link.
 */
export const CODE_NOT_APPLIED_PARAM = "code_not_applied";

/** The hold's page, telling the buyer it was placed without `code`, used up meanwhile. */
export function holdWithoutCodeHref(reservationId: string, code: string): string {
  return `/holds/${reservationId}?${new URLSearchParams({ [CODE_NOT_APPLIED_PARAM]: code })}`;
}

/** A code as the API stores it: 4 to 32 letters, digits and dashes (buyers type any case). */
const CODE_SHAPE = /^[A-Za-z0-9-]{4,32}$/;

/** A typed code, trimmed and upper-cased as the API reads it. */
export function normaliseCode(text: string): string {
  return text.trim().toUpperCase();
}

/**
 * Why `text` cannot be a code, as a sentence, before asking the API (a slash or a space
 * would not even reach the right route); null when it has a code's shape.
 */
export function codeShapeProblem(text: string): string | null {
  const code = text.trim();
  if (code === "") return "Enter the code you were given.";
  return CODE_SHAPE.test(code) ? null : "Enter the code as printed: 4 to 32 letters, digits and dashes.";
}

/** A code's discount as people say it: "20% off", "€5.00 off each ticket", "Presale access". */
export function discountText(discount: Discount): string {
  if (discount.kind === "percent") return `${discount.percent}% off`;
  if (discount.kind === "fixed") return `${formatMoney(discount.amount)} off each ticket`;
  return "Presale access";
}

const names = (items: string[], type: "conjunction" | "disjunction") =>
  new Intl.ListFormat("en-GB", { style: "long", type }).format(items);

/**
 * What a code does on this event, in one sentence: "20% off Standard.", "€5.00 off each
 * ticket.", "20% off every ticket, and unlocks Presale.", "Unlocks Presale.".
 */
export function codeEffect(quote: CodeQuote): string {
  const types = quote.ticket_types;
  const discounted = types.filter((t) => t.discounted).map((t) => t.name);
  const unlocked = types.filter((t) => t.unlocked).map((t) => t.name);
  const everyType = discounted.length === types.length;
  const parts: string[] = [];
  const { discount } = quote;
  if (discount.kind === "percent" && discounted.length > 0) {
    parts.push(`${discount.percent}% off ${everyType ? "every ticket" : names(discounted, "conjunction")}`);
  } else if (discount.kind === "fixed" && discounted.length > 0) {
    const each = everyType ? "each ticket" : `each ${names(discounted, "disjunction")} ticket`;
    parts.push(`${formatMoney(discount.amount)} off ${each}`);
  }
  if (unlocked.length > 0) parts.push(`unlocks ${names(unlocked, "conjunction")}`);
  if (parts.length === 0) return "This code gives nothing more on the tickets on sale now.";
  const sentence = parts.join(", and ");
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

/** Why a code was refused, as a sentence for under the code's field. */
export function codeFailureSentence(failure: Failure): string {
  const onField = fieldErrors(failure).code;
  return onField ? fieldSentence("The code", onField) : failureMessage(failure);
}
