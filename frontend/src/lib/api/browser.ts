"use client";

import createClient from "openapi-fetch";

import type { paths } from "./schema";
import { toFailure, type Failure } from "./problem";

/**
 * The API as the browser sees it: through this server's `/api` proxy, same origin, so
 * the session cookie goes along.
 */
export const browserApi = createClient<paths>({ baseUrl: "/api", credentials: "same-origin" });

export type Result<T> = { ok: true; data: T; response: Response } | { ok: false; failure: Failure };

/** Runs one openapi-fetch call and folds network errors and problems into a Result. */
export async function call<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Result<T>> {
  try {
    const { data, error, response } = await request();
    if (response.ok) return { ok: true, data: data as T, response };
    return { ok: false, failure: toFailure(error, response) };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}

/** A fresh idempotency key per purchase or creation (the API derives ids from it). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
