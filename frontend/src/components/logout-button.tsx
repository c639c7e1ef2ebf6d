"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { AUTH_PATHS } from "@/lib/auth";

export function LogoutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await fetch(`/api${AUTH_PATHS.logout}`, { method: "DELETE", credentials: "same-origin" });
        } finally {
          setBusy(false);
          router.push("/");
          router.refresh();
        }
      }}
    >
      Log out
    </Button>
  );
}
