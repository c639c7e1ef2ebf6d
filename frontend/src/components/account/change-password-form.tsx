"use client";

import { useState } from "react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, FormFailure, NewPasswordField } from "@/components/field";
import { browserApi, call } from "@/lib/api/browser";
import { fieldErrors, type Failure } from "@/lib/api/problem";

/**
 * Changes the password after checking the current one. The API signs every other session
 * of the account out and keeps this one, so the page says so.
 */
export function ChangePasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setFailure(null);
    setChanged(false);
    const result = await call(() =>
      browserApi.PUT("/me/password", { body: { current_password: current, new_password: next } }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setCurrent("");
    setNext("");
    setChanged(true);
  };

  return (
    <form onSubmit={submit} noValidate className="grid max-w-md gap-4" aria-label="Change password">
      <Field
        id="current_password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(ev) => setCurrent(ev.target.value)}
        error={errors.current_password}
      />
      <NewPasswordField
        id="new_password"
        label="New password"
        value={next}
        onChange={(ev) => setNext(ev.target.value)}
        error={errors.new_password}
      />
      <div>
        <Button type="submit" disabled={busy || current === "" || next === ""}>
          {busy ? "Changing…" : "Change password"}
        </Button>
      </div>
      {changed ? (
        <Alert variant="success">
          <AlertTitle className="text-success">Your password was changed</AlertTitle>
          <AlertDescription className="text-success">
            You stay logged in here. Every other browser and device using your account was logged out and needs the new
            password.
          </AlertDescription>
        </Alert>
      ) : null}
      <FormFailure failure={failure} />
    </form>
  );
}
