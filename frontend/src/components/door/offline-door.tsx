"use client";

import { useEffect } from "react";

/**
 * Registers the door's service worker (public/door-sw.js, scope /door) and hands it this
 * page and the scripts and styles it loaded, so the page opens again without a network.
 */
export function OfflineDoor() {
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    void (async () => {
      try {
        const registration = await navigator.serviceWorker.register("/door-sw.js", { scope: "/door" });
        // Not `serviceWorker.ready`: Chromium did not resolve it for a page the worker
        // does not control yet. Wait for this registration's worker to be activated.
        const worker = registration.active ?? registration.waiting ?? registration.installing;
        if (worker && worker.state !== "activated") {
          await new Promise<void>((resolve) => {
            worker.addEventListener("statechange", () => {
              if (worker.state === "activated") resolve();
            });
          });
        }
        const assets = performance
          .getEntriesByType("resource")
          .map((entry) => entry.name)
          .filter((url) => new URL(url).pathname.startsWith("/_next/static/"));
        worker?.postMessage({ type: "keep", urls: [location.href, ...assets] });
      } catch {
        // Without a service worker the scanner still works while the page stays open.
      }
    })();
  }, []);
  return null;
}
