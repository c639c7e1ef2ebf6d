import type { Metadata, Viewport } from "next";
import Link from "next/link";

import "./globals.css";
import { SiteHeader } from "@/components/site-header";

export const metadata: Metadata = {
  title: { default: "Carneau: tickets for the shows you love", template: "%s | Carneau" },
  description: "Find an event, hold your tickets for 15 minutes and pay safely.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#3f3bb5" };

export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-primary focus:px-3 focus:py-2 focus:text-primary-foreground"
        >
          Skip to content
        </a>
        <SiteHeader />
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:px-6 sm:py-10">
          {children}
        </main>
        <footer className="border-t py-6 text-center text-sm text-muted-foreground">
          <p>
            Carneau Engine · <Link href="/" className="underline-offset-4 hover:underline">Events</Link> ·{" "}
            <Link href="/organiser" className="underline-offset-4 hover:underline">For organisers</Link>
          </p>
        </footer>
      </body>
    </html>
  );
}
