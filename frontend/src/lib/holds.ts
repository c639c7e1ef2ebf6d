"use client";

/**
 * A guest's reservation token (the API returns it once, with the hold). Kept in this
 * tab's session storage only: it proves ownership of the hold until it is paid or lapses.
 */
const KEY = (reservationId: string) => `carneau:hold:${reservationId}`;

export function rememberHoldToken(reservationId: string, token: string) {
  sessionStorage.setItem(KEY(reservationId), token);
}

export function holdToken(reservationId: string): string | null {
  return sessionStorage.getItem(KEY(reservationId));
}

export function forgetHoldToken(reservationId: string) {
  sessionStorage.removeItem(KEY(reservationId));
}
