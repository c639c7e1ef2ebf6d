import { API_URL } from "@/lib/api/server";
import { cookies } from "next/headers";

/** Who is signed in, as `GET /me` tells it. */
export type Viewer = {
  id: string;
  email: string;
  name: string;
  roles: string[];
};

/**
 * The signed-in account of this request, or null for a guest. An API that cannot be
 * reached also yields null: pages then show their own offline screen.
 */
export async function getViewer(): Promise<Viewer | null> {
  const cookieHeader = (await cookies()).toString();
  if (!cookieHeader) return null;
  try {
    const response = await fetch(`${API_URL}/me`, { headers: { cookie: cookieHeader }, cache: "no-store" });
    if (!response.ok) return null;
    return (await response.json()) as Viewer;
  } catch {
    return null;
  }
}

export function isOrganiser(viewer: Viewer | null): boolean {
  return !!viewer && (viewer.roles.includes("organiser") || viewer.roles.includes("admin"));
}
