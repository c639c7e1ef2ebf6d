import type { NextConfig } from "next";

// `/api/*` is proxied to the Rust API by src/app/api/[...path]/route.ts (at run time,
// from CARNEAU_API_URL), not by `rewrites()`, whose destinations are fixed at build time.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  eslint: { ignoreDuringBuilds: true }, // `pnpm lint` runs eslint on its own
};

export default nextConfig;
