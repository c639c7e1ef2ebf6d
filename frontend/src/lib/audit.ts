import type { AccountName, Actor, AuditEntry, Cause } from "@/lib/api/types";
import type { Viewer } from "@/lib/session";

// One fixed locale, so the server's HTML and the browser's hydration agree.
const LOCALE = "en-GB";

/** A short form of an id for a person's eye (the full one goes in a title). */
export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** Who did something, for a person: "Buyer (guest)", "Stripe (evt_…)", "Payments process". */
export function actorLabel(
  actor: Actor | null | undefined,
  viewer: Viewer | null,
  names?: { account?: AccountName | null; organiserId?: string | null },
): string {
  if (!actor) return "Unknown (unreadable record)";
  switch (actor.kind) {
    case "account": {
      const account = names?.account;
      const organiser = names?.organiserId === actor.account_id ? " (organiser)" : "";
      if (account?.email) {
        const person = account.name ? `${account.name} <${account.email}>` : account.email;
        const you = viewer && actor.account_id === viewer.id ? " (you)" : "";
        return `${person}${organiser}${you}`;
      }
      if (viewer && actor.account_id === viewer.id) {
        const role = viewer.roles.includes("organiser") ? "Organiser" : "Account";
        return `${role} ${viewer.name || viewer.email} (you)`;
      }
      if (account) return `Account ${shortId(actor.account_id)}${organiser}, unknown account`;
      return `Account ${shortId(actor.account_id)}${organiser}`;
    }
    case "guest":
      return "Buyer (guest)";
    case "process":
      return `${processName(actor.process)} process`;
    case "payment_provider":
      return `${providerName(actor.provider)} (${actor.event_id})`;
  }
}

/**
 * Why something was recorded, for a person: "their request", "Stripe event evt_…",
 * "after fact #3 of this order", "timer". `stream` is the aggregate the page is about, so
 * a fact of the same stream reads "of this order".
 */
export function causeLabel(
  cause: Cause | null | undefined,
  actor: Actor | null | undefined,
  stream?: { aggregateType: string; aggregateId: string },
): string {
  if (!cause) return "Unknown (unreadable record)";
  switch (cause.kind) {
    case "request":
      return "their request";
    case "provider_event": {
      const provider = actor?.kind === "payment_provider" ? providerName(actor.provider) : "Payment provider";
      return `${provider} event ${cause.event_id}`;
    }
    case "fact": {
      const same = stream && stream.aggregateType === cause.aggregate_type && stream.aggregateId === cause.aggregate_id;
      const of = same ? `this ${cause.aggregate_type.toLowerCase()}` : `${cause.aggregate_type} ${shortId(cause.aggregate_id)}`;
      return `after fact #${cause.sequence} of ${of}`;
    }
    case "schedule":
      return "timer";
    case "operator":
      return "an operator's command";
  }
}

/** The request id behind a cause, when it had one (shown small, for support). */
export function causeDetail(cause: Cause | null | undefined): string | undefined {
  return cause?.kind === "request" && cause.request_id ? `request ${cause.request_id}` : undefined;
}

function processName(process: string): string {
  const words = process.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function providerName(provider: string): string {
  if (provider === "stripe") return "Stripe";
  if (provider === "simulated") return "Simulated checkout";
  return provider;
}

const ACTOR_KINDS = ["account", "guest", "process", "payment_provider"];
const CAUSE_KINDS = ["request", "provider_event", "fact", "schedule", "operator"];

/**
 * The actor and cause of a raw log entry. The log returns the metadata exactly as stored;
 * it has the documented `kind`-tagged shapes, and anything else reads as unknown rather
 * than breaking the page.
 */
export function entryProvenance(entry: AuditEntry): { actor: Actor | null; cause: Cause | null; correlationId?: string } {
  const metadata = entry.metadata as Record<string, unknown>;
  const actor = metadata.actor as Actor | undefined;
  const cause = metadata.cause as Cause | undefined;
  const correlation = metadata.correlation_id;
  return {
    actor: actor && typeof actor === "object" && ACTOR_KINDS.includes(actor.kind) ? actor : null,
    cause: cause && typeof cause === "object" && CAUSE_KINDS.includes(cause.kind) ? cause : null,
    correlationId: typeof correlation === "string" ? correlation : undefined,
  };
}

/** An instant in a given zone, to the second, with the zone named. */
export function formatFactTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE, {
    timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
}

/** The same instant in UTC, ISO-like, for the small print and hover. */
export function formatUtc(iso: string): string {
  return `${new Date(iso).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}
