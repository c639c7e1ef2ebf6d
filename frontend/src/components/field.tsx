import * as React from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";

/** What a new password must be, as every form that sets one says it. */
const NEW_PASSWORD_HINT = "10 to 128 characters. A long phrase is easier to remember than symbols.";

/** A labelled input with its hint and the API's field error wired for screen readers. */
export function Field({
  id,
  label,
  error,
  hint,
  ...input
}: { id: string; label: string; error?: string; hint?: string } & React.ComponentProps<typeof Input>) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} name={id} aria-invalid={Boolean(error) || undefined} aria-describedby={describedBy || undefined} {...input} />
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A field that sets a password: hidden, offered to the password manager, with the rule as its hint. */
export function NewPasswordField(props: { id: string; label: string; error?: string } & React.ComponentProps<typeof Input>) {
  return <Field type="password" autoComplete="new-password" required hint={NEW_PASSWORD_HINT} {...props} />;
}

/**
 * A form's failure that no field names (offline, rate limited, a refusal): above or under
 * the fields, in words. Nothing when the failure is told on its fields.
 */
export function FormFailure({ failure }: { failure: Failure | null }) {
  if (!failure || Object.keys(fieldErrors(failure)).length > 0) return null;
  return (
    <Alert variant="destructive">
      <AlertDescription className="text-destructive">{failureMessage(failure)}</AlertDescription>
    </Alert>
  );
}
