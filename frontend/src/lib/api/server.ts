import createClient from "openapi-fetch";
import { cookies } from "next/headers";

import type { paths } from "./schema";
import { toFailure, type Failure } from "./problem";

/** Where server components reach the API directly (not through the proxy). */
export const API_URL = process.env.CARNEAU_API_URL ?? "http://127.0.0.1:8080";

/**
 * The API for server components, carrying the visitor's cookies so that pages behind a
 * session render as that visitor. Never cached: availability changes every second.
 */
export async function serverApi() {
  const cookieHeader = (await cookies()).toString();
  return createClient<paths>({
    baseUrl: API_URL,
    headers: cookieHeader ? { cookie: cookieHeader } : {},
    cache: "no-store",
  });
}

export type Loaded<T> = { ok: true; data: T } | { ok: false; failure: Failure };

/** Runs one server-side call, turning a refused connection into the offline failure. */
export async function load<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Loaded<T>> {
  try {
    const { data, error, response } = await request();
    if (response.ok) return { ok: true, data: data as T };
    return { ok: false, failure: toFailure(error, response) };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}

