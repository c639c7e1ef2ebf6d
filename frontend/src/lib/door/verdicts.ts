/**
 * What the door screen shows for a scan, from the API's verdict online or from the
 * scanner's own lists offline: a colour, a word nobody can misread, and a line or two.
 */
import type { ScanResult, ScannerData } from "@/lib/api/types";
import type { Tone } from "./feedback";
import { formatEventClock } from "@/lib/format";

export type Shown = {
  tone: Tone;
  /** ADMITTED, ALREADY ADMITTED, REFUNDED, NOT VALID, WRONG EVENT, or CANNOT CHECK. */
  title: string;
  lines: string[];
  /** Judged by this scanner without the server (and queued when admitted). */
  offline: boolean;
};

function clock(iso: string, data: { time_zone: string } | null | undefined): string {
  return formatEventClock(iso, data?.time_zone || "UTC");
}

/** The screen for the API's verdict on an online scan. */
export function onlineVerdict(result: ScanResult, data: ScannerData | null | undefined): Shown {
  switch (result.verdict) {
    case "admitted":
      return {
        tone: "yes",
        title: "ADMITTED",
        lines: [result.ticket_type_name ?? "Valid ticket", ...(result.attendee_name ? [`For ${result.attendee_name}`] : [])],
        offline: false,
      };
    case "already_checked_in": {
      const agent = result.checked_in_by_name ? `by ${result.checked_in_by_name}` : "at this event's door";
      const who = result.checked_in_device ? `${agent} on device ${result.checked_in_device} (offline)` : agent;
      const when = result.checked_in_at ? `at ${clock(result.checked_in_at, data)}` : "";
      return {
        tone: "no",
        title: "ALREADY ADMITTED",
        lines: [
          `Let in ${when} ${who}.`.replace(/\s+/g, " "),
          ...(result.ticket_type_name ? [result.ticket_type_name] : []),
          ...(result.attendee_name ? [`For ${result.attendee_name}`] : []),
        ],
        offline: false,
      };
    }
    case "revoked":
      return { tone: "no", title: "REFUNDED", lines: ["This ticket was refunded. Do not admit."], offline: false };
    case "wrong_event":
      return {
        tone: "warn",
        title: "WRONG EVENT",
        lines: [`This ticket is for ${result.code_event_title ?? "another event"}.`],
        offline: false,
      };
    case "not_issued":
      return { tone: "no", title: "NOT VALID", lines: ["No order issued this ticket. Do not admit."], offline: false };
    case "forged":
      return { tone: "no", title: "NOT VALID", lines: ["This code is forged or altered. Do not admit."], offline: false };
    case "unreadable":
      return { tone: "no", title: "NOT VALID", lines: ["This is not a ticket code."], offline: false };
  }
}

/** Where a ticket was admitted, as this scanner knows it offline. */
export type KnownAdmission = { admittedAt: string; deviceId: string | null; here: boolean };

/** The line naming who a ticket is for, when the lists carry a name. */
function forLine(name: string | null | undefined): string[] {
  return name ? [`For ${name}`] : [];
}

/** The screen for a scan judged offline; `attendeeName` comes from the scanner's lists. */
export function offlineVerdict(
  outcome:
    | { kind: "admitted"; attendeeName?: string | null }
    | { kind: "already"; admission: KnownAdmission; attendeeName?: string | null }
    | { kind: "revoked" | "unreadable" | "forged" | "no-lists" }
    | { kind: "wrong_event"; title: string | null },
  data: ScannerData | null | undefined,
): Shown {
  switch (outcome.kind) {
    case "admitted":
      return {
        tone: "yes",
        title: "ADMITTED",
        lines: ["Valid ticket, checked offline: it will be sent when back online.", ...forLine(outcome.attendeeName)],
        offline: true,
      };
    case "already": {
      const { admission } = outcome;
      const where = admission.here ? "on this scanner" : admission.deviceId ? `on scanner ${admission.deviceId}` : "at the door";
      return {
        tone: "no",
        title: "ALREADY ADMITTED",
        lines: [`Let in at ${clock(admission.admittedAt, data)} ${where}.`, ...forLine(outcome.attendeeName)],
        offline: true,
      };
    }
    case "revoked":
      return { tone: "no", title: "REFUNDED", lines: ["This ticket was refunded. Do not admit."], offline: true };
    case "wrong_event":
      return { tone: "warn", title: "WRONG EVENT", lines: [`This ticket is for ${outcome.title ?? "another event"}.`], offline: true };
    case "forged":
      return { tone: "no", title: "NOT VALID", lines: ["This code is forged or altered. Do not admit."], offline: true };
    case "unreadable":
      return { tone: "no", title: "NOT VALID", lines: ["This is not a ticket code."], offline: true };
    case "no-lists":
      return {
        tone: "warn",
        title: "CANNOT CHECK",
        lines: ["This scanner has no lists for the event yet. Connect once to download them."],
        offline: true,
      };
  }
}
