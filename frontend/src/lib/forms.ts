"use client";

import { toFailure, type Failure } from "@/lib/api/problem";

/** Sends a JSON command through the `/api` proxy; the answer's body or the failure. */
export async function sendJson<T>(
  method: "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ ok: true; data: T } | { ok: false; failure: Failure }> {
  try {
    const response = await fetch(`/api${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return { ok: true, data: parsed as T };
    return { ok: false, failure: toFailure(parsed, response) };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}

/** GET through the `/api` proxy for a route not yet in the generated spec. */
export async function sendJsonGet<T>(path: string): Promise<{ ok: true; data: T } | { ok: false; failure: Failure }> {
  try {
    const response = await fetch(`/api${path}`, { credentials: "same-origin", cache: "no-store" });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return { ok: true, data: body as T };
    return { ok: false, failure: toFailure(body, response) };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}
