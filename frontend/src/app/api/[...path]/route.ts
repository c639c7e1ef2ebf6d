import type { NextRequest } from "next/server";

import { API_URL } from "@/lib/api/server";

/**
 * The browser's one origin: `/api/*` is forwarded to the Rust API's root, so the session
 * cookie stays first-party and there is no CORS. A route handler rather than a
 * `rewrites()` entry because rewrites are frozen into the build, while the API's address
 * (CARNEAU_API_URL) is a run-time setting; it also lets an unreachable API answer with a
 * problem document the pages know how to show.
 */
export const dynamic = "force-dynamic";

// Hop-by-hop headers and those fetch recomputes; never forwarded either way.
const DROPPED = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length", "content-encoding"];

async function proxy(request: NextRequest, { params }: { params: Promise<{ path: string[] }> }): Promise<Response> {
  const { path } = await params;
  const search = new URL(request.url).search;
  const target = `${API_URL}/${path.map(encodeURIComponent).join("/")}${search}`;
  const headers = new Headers(request.headers);
  for (const name of DROPPED) headers.delete(name);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  try {
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
    });
    const out = new Headers();
    upstream.headers.forEach((value, name) => {
      if (!DROPPED.includes(name) && name !== "set-cookie") out.append(name, value);
    });
    for (const cookie of upstream.headers.getSetCookie()) out.append("set-cookie", cookie);
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
  } catch {
    return Response.json(
      {
        type: "urn:carneau:problem:api-unreachable",
        title: "The ticketing service is unreachable",
        status: 502,
        detail: "The web client could not reach the API. Please try again in a moment.",
      },
      { status: 502, headers: { "content-type": "application/problem+json" } },
    );
  }
}

export { proxy as GET, proxy as POST, proxy as PUT, proxy as PATCH, proxy as DELETE, proxy as HEAD };
