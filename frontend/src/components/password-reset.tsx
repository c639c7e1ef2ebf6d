"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Field, FormFailure, NewPasswordField } from "@/components/field";
import { StateScreen } from "@/components/state-screen";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, fieldErrors, problemSlug, type Failure } from "@/lib/api/problem";

const linkClass = "text-primary underline-offset-4 hover:underline";

/** What a dead reset link's problem means for the person holding it. */
const DEAD_LINK_TITLES: Record<string, string> = {
  "reset-link-expired": "This link has expired",
  "reset-link-used": "This link was used already",
  "reset-link-superseded": "A newer link was sent",
  "reset-link-invalid": "This link does not work",
};

/**
 * Asks for a reset link. The answer never says whether the email has an account: the
 * API answers every email alike, and so does this page.
 */
export function ForgotPasswordForm() {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const email = String(new FormData(ev.currentTarget).get("email") ?? "");
    setBusy(true);
    setFailure(null);
    const result = await call(() => browserApi.POST("/password-reset-requests", { body: { email } }));
    setBusy(false);
    if (result.ok) setSentTo(email.trim());
    else setFailure(result.failure);
  };

  if (sentTo !== null) {
    return (
      <StateScreen
        kind="mail"
        title="Check your email"
        actions={
          <Button asChild variant="outline">
            <Link href="/login">Back to log in</Link>
          </Button>
        }
      >
        <p>
          If an account exists for <strong className="break-all text-foreground">{sentTo}</strong>, we sent it a link to
          set a new password. The link works once, for one hour.
        </p>
        <p className="mt-2 text-sm">Nothing arrived? Check your spam folder, or ask again in a few minutes.</p>
      </StateScreen>
    );
  }

  return (
    <Card className="mx-auto w-full max-w-md">
      <form onSubmit={submit} noValidate>
        <CardHeader>
          <CardTitle>Forgot your password?</CardTitle>
          <CardDescription>Enter the email of your account and we will send you a link to set a new password.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          <FormFailure failure={failure} />
          <Field id="email" label="Email" type="email" autoComplete="email" required error={errors.email} />
        </CardContent>
        <CardFooter className="flex-col items-stretch gap-3">
          <Button type="submit" disabled={busy}>
            {busy ? "Please wait…" : "Send me a link"}
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            Remembered it? <Link className={linkClass} href="/login">Log in</Link>
          </p>
        </CardFooter>
      </form>
    </Card>
  );
}

/** The page a reset link opens: choose a new password, then log in with it. */
export function ResetPasswordForm({ token }: { token: string }) {
  const router = useRouter();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(failure ?? undefined);
  const slug = failure ? problemSlug(failure) : undefined;
  const deadLink: string | null = !token ? "reset-link-invalid" : slug && slug in DEAD_LINK_TITLES ? slug : null;

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const password = String(new FormData(ev.currentTarget).get("new_password") ?? "");
    setBusy(true);
    setFailure(null);
    const result = await call(() => browserApi.POST("/password-resets", { body: { token, new_password: password } }));
    setBusy(false);
    if (result.ok) {
      setDone(true);
      // Every session of the account ended, this browser's too if it had one.
      router.refresh();
    } else setFailure(result.failure);
  };

  if (done) {
    return (
      <StateScreen
        kind="tickets"
        title="Your new password is set"
        actions={
          <Button asChild>
            <Link href="/login">Log in</Link>
          </Button>
        }
      >
        <p>For your safety you were logged out everywhere. Log in with your new password.</p>
      </StateScreen>
    );
  }
  if (deadLink) {
    return (
      <StateScreen
        kind={deadLink === "reset-link-expired" ? "expired" : "failed"}
        title={DEAD_LINK_TITLES[deadLink] ?? "This link does not work"}
        actions={
          <Button asChild>
            <Link href="/forgot-password">Send me a new link</Link>
          </Button>
        }
      >
        <p>{failure ? failureMessage(failure) : "The link is incomplete: open the whole link from the email, or ask for a new one."}</p>
      </StateScreen>
    );
  }

  return (
    <Card className="mx-auto w-full max-w-md">
      <form onSubmit={submit} noValidate>
        <CardHeader>
          <CardTitle>Choose a new password</CardTitle>
          <CardDescription>Setting it logs you out everywhere; then log in with the new one.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          <FormFailure failure={failure} />
          <NewPasswordField
            id="new_password"
            label="New password"
            error={errors.new_password ? `The new password ${errors.new_password}.` : undefined}
          />
        </CardContent>
        <CardFooter className="flex-col items-stretch gap-3">
          <Button type="submit" disabled={busy}>
            {busy ? "Please wait…" : "Set new password"}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}
