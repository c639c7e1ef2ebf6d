"use client";

import { useEffect, useState } from "react";

import { browserApi, call } from "@/lib/api/browser";

/**
 * An email field's value, filled in with the signed-in account's address (asked once from
 * the browser) unless the person typed something first: a signed-in buyer's tickets and
 * offers go to their account's address unless they type another. A guest's stays empty.
 */
export function useAccountEmail(): [string, (email: string) => void] {
  const [email, setEmail] = useState("");
  useEffect(() => {
    void call(() => browserApi.GET("/me")).then((me) => {
      if (me.ok) setEmail((current) => current || me.data.email);
    });
  }, []);
  return [email, setEmail];
}
