import type { FieldError, Problem } from "./types";

/**
 * Why a call to the API did not give what was asked, in terms a page can show. A refusal
 * that ends (rate limits, 503) says when, in seconds, from its `Retry-After`.
 */
export type Failure =
  | { kind: "problem"; status: number; problem: Problem; retryAfterSeconds?: number }
  | { kind: "offline"; detail: string };

const PROBLEM_PREFIX = "urn:carneau:problem:";

/** The stable slug of a problem type, e.g. `sold-out` for `urn:carneau:problem:sold-out`. */
export function problemSlug(failure: Failure): string | undefined {
  if (failure.kind !== "problem") return undefined;
  const type = failure.problem.type;
  return type.startsWith(PROBLEM_PREFIX) ? type.slice(PROBLEM_PREFIX.length) : type;
}

export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Problem).type === "string" &&
    typeof (value as Problem).status === "number"
  );
}

/**
 * Turns what openapi-fetch returned for a failed call into a Failure. A body that is not
 * a problem document (the proxy's own 500/502 when the API is down) counts as offline.
 */
export function toFailure(error: unknown, response: Response | undefined): Failure {
  if (isProblem(error) && error.type === `${PROBLEM_PREFIX}api-unreachable`) {
    return { kind: "offline", detail: error.detail };
  }
  if (isProblem(error)) {
    return { kind: "problem", status: error.status, problem: error, retryAfterSeconds: retryAfter(response) };
  }
  const status = response?.status ?? 0;
  if (status === 0 || status >= 500) {
    return { kind: "offline", detail: "The ticketing service did not answer." };
  }
  return {
    kind: "problem",
    status,
    problem: { type: "about:blank", title: response?.statusText || "Request failed", status, detail: "" },
  };
}

/** The `Retry-After` of `response` in seconds, when it gives a number of them. */
function retryAfter(response: Response | undefined): number | undefined {
  const seconds = Number(response?.headers.get("retry-after") ?? Number.NaN);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** The field errors of a failure keyed by field path, for forms. */
export function fieldErrors(failure: Failure | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (failure?.kind !== "problem") return out;
  for (const e of failure.problem.errors ?? ([] as FieldError[])) out[e.field] = e.message;
  return out;
}

/** A field error as a sentence naming the field: "must be 1 to 100 characters" becomes
 * "The name must be 1 to 100 characters."; a message that is a sentence already stays. */
export function fieldSentence(subject: string, message: string): string {
  if (/^[A-Z]/.test(message)) return message;
  return `${subject} ${message}${message.endsWith(".") ? "" : "."}`;
}

/** A one-line message for a failure. */
export function failureMessage(failure: Failure): string {
  if (failure.kind === "offline") return "We can't reach the ticketing service right now. Please try again in a moment.";
  return failure.problem.detail || failure.problem.title;
}
