"use client";

import type { ReservationStatus } from "@/lib/api/types";

/**
 * A guest's reservation token (the API returns it once, with the hold). It proves ownership
 * of the hold, so it is kept in this browser's local storage, keyed by reservation: the
 * hold's link then works in any tab. When the hold ends the token is removed: on payment
 * entirely, on release or expiry replaced by a note of how it ended, so the link still
 * tells the buyer what happened. Entries left behind (a tab closed before the end) are
 * swept after a day, past the longest a hold can stay open (a waiting-list offer's 24 h).
 */
const PREFIX = "carneau:hold:";
const KEY = (reservationId: string) => `${PREFIX}${reservationId}`;
const KEEP_AT_MOST_MS = 24 * 3600 * 1000;

/** How a hold ended: unpaid (expired, released), or paid, with the link to its order. */
export type HoldEnding =
  | { ended: Extract<ReservationStatus, "expired" | "released">; eventId: string }
  | { ended: Extract<ReservationStatus, "sold">; eventId: string; orderHref: string };

type Stored = { savedAt: number } & ({ token: string } | HoldEnding);

function parse(raw: string | null): Stored | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null || typeof (value as Stored).savedAt !== "number") return null;
    if (typeof (value as { token?: unknown }).token === "string") return value as Stored;
    const ending = value as HoldEnding;
    if (typeof ending.eventId !== "string") return null;
    if (ending.ended === "expired" || ending.ended === "released") return value as Stored;
    if (ending.ended === "sold" && typeof ending.orderHref === "string") return value as Stored;
  } catch {
    // Not ours, or written by an older client: treated as absent.
  }
  return null;
}

// Storage can be unavailable (disabled, or full): the hold then lives as long as the page.
function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function save(reservationId: string, value: Stored) {
  const store = storage();
  if (!store) return;
  try {
    for (let i = store.length - 1; i >= 0; i -= 1) {
      const key = store.key(i);
      if (!key?.startsWith(PREFIX)) continue;
      const stored = parse(store.getItem(key));
      if (!stored || value.savedAt - stored.savedAt > KEEP_AT_MOST_MS) store.removeItem(key);
    }
    store.setItem(KEY(reservationId), JSON.stringify(value));
  } catch {
    // Quota exceeded: nothing to keep it in.
  }
}

function read(reservationId: string): Stored | null {
  return parse(storage()?.getItem(KEY(reservationId)) ?? null);
}

export function rememberHoldToken(reservationId: string, token: string) {
  save(reservationId, { token, savedAt: Date.now() });
}

/**
 * Takes the token a link carries in its fragment (`/holds/{id}#token=…`, the waiting-list
 * offer's email) into storage, and removes it from the address bar and the history, so it
 * is neither shared by a copied link nor left in the back button. A fragment never reaches
 * a server; nothing else of the address changes.
 */
export function adoptLinkedHoldToken(reservationId: string) {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (!token) return;
  rememberHoldToken(reservationId, token);
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, "", `${pathname}${search}`);
}

export function holdToken(reservationId: string): string | null {
  const stored = read(reservationId);
  return stored && "token" in stored ? stored.token : null;
}

/** The hold ended (unpaid, or paid): its token goes, a note of the ending stays. */
export function endHold(reservationId: string, ending: HoldEnding) {
  if (!storage()?.getItem(KEY(reservationId))) return;
  save(reservationId, { ...ending, savedAt: Date.now() });
}

/** How this browser saw the hold end, if it did. */
export function holdEnding(reservationId: string): HoldEnding | null {
  const stored = read(reservationId);
  if (!stored || !("ended" in stored)) return null;
  return stored.ended === "sold"
    ? { ended: stored.ended, eventId: stored.eventId, orderHref: stored.orderHref }
    : { ended: stored.ended, eventId: stored.eventId };
}

/** The order is over without payment: nothing about its hold is needed any more. */
export function forgetHoldToken(reservationId: string) {
  storage()?.removeItem(KEY(reservationId));
}
