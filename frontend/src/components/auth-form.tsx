"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, FormFailure, NewPasswordField } from "@/components/field";
import { fieldErrors, type Failure } from "@/lib/api/problem";
import { browserApi, call } from "@/lib/api/browser";
import type { Me } from "@/lib/api/types";

/**
 * Where an account lands after signing in when it was not going anywhere: an organiser
 * (or admin) on the dashboard, door staff and nothing else at the door, buyers on their
 * tickets.
 */
function landing(account: Pick<Me, "roles" | "door_staff_events">): string {
  if (account.roles.includes("organiser") || account.roles.includes("admin")) return "/organiser";
  if (account.roles.length === 0 && account.door_staff_events.length > 0) return "/door";
  return "/account/tickets";
}

/** Log in or register; on success the session cookie is set and we go where the visitor was headed. */
export function AuthForm({ mode }: { mode: "login" | "register" }) {
  const router = useRouter();
  const next = useSearchParams().get("next");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "");
    setBusy(true);
    setFailure(null);
    // Both set the session cookie (registration signs the new account in).
    const result = await call(() =>
      mode === "login"
        ? browserApi.POST("/sessions", { body: { email: text("email"), password: text("password") } })
        : browserApi.POST("/accounts", { body: { email: text("email"), name: text("name"), password: text("password") } }),
    );
    if (result.ok) {
      router.push(next && next.startsWith("/") && !next.startsWith("//") ? next : landing(result.data.account));
      router.refresh();
      return;
    }
    setBusy(false);
    setFailure(result.failure);
  };

  return (
    <Card className="mx-auto w-full max-w-md">
      <form onSubmit={submit} noValidate>
        <CardHeader>
          <CardTitle>{mode === "login" ? "Log in" : "Create your account"}</CardTitle>
          <CardDescription>
            {mode === "login"
              ? "See your tickets and orders, or manage your events."
              : "Keep all your tickets in one place."}
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          <FormFailure failure={failure} />
          {mode === "register" ? (
            <Field id="name" label="Name" autoComplete="name" required error={errors.name} />
          ) : null}
          <Field id="email" label="Email" type="email" autoComplete="email" required error={errors.email} />
          {mode === "login" ? (
            <Field
              id="password"
              label="Password"
              type="password"
              autoComplete="current-password"
              required
              error={errors.password}
            />
          ) : (
            <NewPasswordField id="password" label="Password" error={errors.password} />
          )}
          {mode === "login" ? (
            <p className="text-right text-sm">
              <Link className="text-primary underline-offset-4 hover:underline" href="/forgot-password">
                Forgot password?
              </Link>
            </p>
          ) : null}
        </CardContent>
        <CardFooter className="flex-col items-stretch gap-3">
          <Button type="submit" disabled={busy}>
            {busy ? "Please wait…" : mode === "login" ? "Log in" : "Create account"}
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            {mode === "login" ? (
              <>
                New here? <Link className="text-primary underline-offset-4 hover:underline" href="/register">Create an account</Link>
              </>
            ) : (
              <>
                Already have an account? <Link className="text-primary underline-offset-4 hover:underline" href="/login">Log in</Link>
              </>
            )}
          </p>
        </CardFooter>
      </form>
    </Card>
  );
}
