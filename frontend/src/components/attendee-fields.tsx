"use client";

import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { fieldSentence } from "@/lib/api/problem";
import type { AttendeeQuestions } from "@/lib/api/types";

/** What the buyer types for one ticket. */
export type AttendeeInput = { name: string; email: string };

/** One ticket of a hold, in the order the API counts seats (lines in order, each line's tickets in turn). */
export type Seat = { label: string };

/** Whether the event asks anything about its attendees. */
export function asksAttendees(questions: AttendeeQuestions | undefined): questions is AttendeeQuestions {
  return Boolean(questions && (questions.name !== "off" || questions.email !== "off"));
}

/** The attendees as the API takes them: blanks left out, one per seat. */
export function attendeesBody(inputs: AttendeeInput[], questions: AttendeeQuestions) {
  return inputs.map((a) => ({
    name: questions.name !== "off" && a.name.trim() ? a.name.trim() : null,
    email: questions.email !== "off" && a.email.trim() ? a.email.trim() : null,
  }));
}

/**
 * The name (and email) of each ticket's attendee, one group per ticket labelled
 * "Ticket 1 — Standard". `errors` are the API's field errors (`attendees[1].name`); a
 * message that is not a sentence of its own is prefixed with the field's label.
 */
export function AttendeeFields({
  seats,
  questions,
  values,
  onChange,
  errors,
  prefix = "attendees",
  idPrefix = "attendee",
}: {
  seats: Seat[];
  questions: AttendeeQuestions;
  values: AttendeeInput[];
  onChange: (index: number, value: AttendeeInput) => void;
  errors: Record<string, string>;
  prefix?: string;
  /** Starts the inputs' ids: one page with several forms gives each its own. */
  idPrefix?: string;
}) {
  return (
    <div className="grid gap-4" data-attendee-fields>
      {seats.map((seat, i) => {
        const value = values[i] ?? { name: "", email: "" };
        const nameError = errors[`${prefix}[${i}].name`];
        const emailError = errors[`${prefix}[${i}].email`];
        return (
          <fieldset key={i} className="grid gap-3 rounded-md border p-3">
            <legend className="px-1 text-sm font-medium">{seat.label}</legend>
            {questions.name !== "off" ? (
              <div className="grid gap-1.5">
                <Label htmlFor={`${idPrefix}-${i}-name`}>
                  Attendee name{questions.name === "optional" ? " (optional)" : ""}
                </Label>
                <Input
                  id={`${idPrefix}-${i}-name`}
                  autoComplete={i === 0 ? "name" : "off"}
                  maxLength={100}
                  required={questions.name === "required"}
                  value={value.name}
                  onChange={(ev) => onChange(i, { ...value, name: ev.target.value })}
                  aria-invalid={Boolean(nameError) || undefined}
                  aria-describedby={nameError ? `${idPrefix}-${i}-name-error` : undefined}
                />
                {nameError ? (
                  <p id={`${idPrefix}-${i}-name-error`} className="text-sm text-destructive">
                    {fieldSentence("The name", nameError)}
                  </p>
                ) : null}
              </div>
            ) : null}
            {questions.email !== "off" ? (
              <div className="grid gap-1.5">
                <Label htmlFor={`${idPrefix}-${i}-email`}>
                  Attendee email{questions.email === "optional" ? " (optional)" : ""}
                </Label>
                <Input
                  id={`${idPrefix}-${i}-email`}
                  type="email"
                  autoComplete="off"
                  required={questions.email === "required"}
                  value={value.email}
                  onChange={(ev) => onChange(i, { ...value, email: ev.target.value })}
                  aria-invalid={Boolean(emailError) || undefined}
                  aria-describedby={emailError ? `${idPrefix}-${i}-email-error` : undefined}
                />
                {emailError ? (
                  <p id={`${idPrefix}-${i}-email-error`} className="text-sm text-destructive">
                    {fieldSentence("The email", emailError)}
                  </p>
                ) : null}
              </div>
            ) : null}
          </fieldset>
        );
      })}
    </div>
  );
}
