"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-renders the server parts of the page every few seconds while it is visible (live availability). */
export function AutoRefresh({ seconds }: { seconds: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, seconds * 1000);
    return () => window.clearInterval(timer);
  }, [router, seconds]);
  return null;
}
