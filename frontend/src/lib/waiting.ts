"use client";

/**
 * A buyer's places on waiting lists, as this browser knows them. Joining answers a token
 * once (like a hold's); it proves the place is theirs, to see where it stands and to leave.
 * It is kept in local storage keyed by entry, with the event and ticket type it is for, so
 * the event page finds its entries again. No sweep by age: a place can wait for weeks; an
 * entry goes when the API says it is over (left, bought, lapsed) or gone.
 *
 * The token is also the reservation token of the offer the entry gets (the offer's hold
 * has the entry's id), so the event page can open the hold page without the email.
 */
const PREFIX = "carneau:waiting:";
const KEY = (entryId: string) => `${PREFIX}${entryId}`;

/** One place on a waiting list, as kept in this browser. */
export type StoredEntry = { entryId: string; eventId: string; ticketTypeId: string; token: string };

// Storage can be unavailable (disabled, or full): the place is then shown until the page closes.
function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function parse(entryId: string, raw: string | null): StoredEntry | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null) return null;
    const { eventId, ticketTypeId, token } = value as Partial<StoredEntry>;
    if (typeof eventId !== "string" || typeof ticketTypeId !== "string" || typeof token !== "string") return null;
    return { entryId, eventId, ticketTypeId, token };
  } catch {
    // Not ours: treated as absent.
    return null;
  }
}

export function rememberWaitingEntry(entry: StoredEntry) {
  const { entryId, ...kept } = entry;
  try {
    storage()?.setItem(KEY(entryId), JSON.stringify(kept));
  } catch {
    // Quota exceeded: nothing to keep it in.
  }
}

/** This browser's places on the waiting lists of `eventId`, oldest key first. */
export function waitingEntries(eventId: string): StoredEntry[] {
  const store = storage();
  if (!store) return [];
  const found: StoredEntry[] = [];
  for (let i = 0; i < store.length; i += 1) {
    const key = store.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    const entry = parse(key.slice(PREFIX.length), store.getItem(key));
    if (entry?.eventId === eventId) found.push(entry);
  }
  return found;
}

/** The place is over (left, bought, lapsed, or unknown to the API): nothing to show any more. */
export function forgetWaitingEntry(entryId: string) {
  storage()?.removeItem(KEY(entryId));
}
