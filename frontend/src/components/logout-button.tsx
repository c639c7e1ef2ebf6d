"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { browserApi, call } from "@/lib/api/browser";

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
          await call(() => browserApi.DELETE("/sessions/current"));
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
