import type { Metadata } from "next";

import { OfflineDoor } from "@/components/door/offline-door";

// The door pages install as an app of their own and open without a network once visited.
export const metadata: Metadata = { manifest: "/door.webmanifest", robots: { index: false } };

export default function DoorLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <OfflineDoor />
      {children}
    </>
  );
}
