import { cookies } from "next/headers";

import { serverApi } from "@/lib/api/server";
import type { Failure } from "@/lib/api/problem";
import type { Me } from "@/lib/api/types";

/** Who is signed in, as `GET /me` tells it. */
export type Viewer = Me;

/**
 * The signed-in account of this request: null for a guest (no cookie, or one the API no
 * longer accepts), a failure when the API cannot be asked.
 */
export async function loadViewer(): Promise<{ ok: true; viewer: Viewer | null } | { ok: false; failure: Failure }> {
  const cookieHeader = (await cookies()).toString();
  if (!cookieHeader.includes("carneau_session=")) return { ok: true, viewer: null };
  try {
    const { data, response } = await (await serverApi()).GET("/me");
    if (response.status === 401) return { ok: true, viewer: null };
    if (!data) return { ok: false, failure: { kind: "offline", detail: `GET /me answered ${response.status}` } };
    return { ok: true, viewer: data };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}

/** The signed-in account, or null for a guest or when the API cannot tell (the header's view). */
export async function getViewer(): Promise<Viewer | null> {
  const loaded = await loadViewer();
  return loaded.ok ? loaded.viewer : null;
}

export function isOrganiser(viewer: Viewer | null): boolean {
  return !!viewer && (viewer.roles.includes("organiser") || viewer.roles.includes("admin"));
}

/** Whether the account reads the whole event log: auditors (read only) and admins. */
export function isAuditor(viewer: Viewer | null): boolean {
  return !!viewer && (viewer.roles.includes("auditor") || viewer.roles.includes("admin"));
}

/** Whether the account may scan tickets somewhere: organisers, admins, door staff of an event. */
export function hasDoorAccess(viewer: Viewer | null): boolean {
  return isOrganiser(viewer) || (!!viewer && viewer.door_staff_events.length > 0);
}
