import type { NextConfig } from "next";

// `/api/*` is proxied to the Rust API by src/app/api/[...path]/route.ts (at run time,
// from CARNEAU_API_URL), not by `rewrites()`, whose destinations are fixed at build time.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  eslint: { ignoreDuringBuilds: true }, // `pnpm lint` runs eslint on its own
  // Resolve metadata before the first byte for every client, not only known bots: shared
  // links then always carry the event's title and description, and a missing event is a
  // real 404 rather than a streamed 200.
  htmlLimitedBots: /.*/,
};

export default nextConfig;
