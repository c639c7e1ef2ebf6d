import type { NextConfig } from "next";

// The browser talks to one origin: this server. `/api/*` is proxied to the Rust API,
// whose routes live at the root, so the session cookie stays first-party.
const apiUrl = process.env.CARNEAU_API_URL ?? "http://127.0.0.1:8080";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  eslint: { ignoreDuringBuilds: true }, // `pnpm lint` runs eslint on its own
  async rewrites() {
    return [{ source: "/api/:path*", destination: `${apiUrl}/:path*` }];
  },
};

export default nextConfig;
