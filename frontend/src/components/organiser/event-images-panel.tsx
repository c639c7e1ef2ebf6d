"use client";

import { useState } from "react";
import { ArrowDown, ArrowUp } from "lucide-react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/field";
import { EventPicture } from "@/components/event-picture";
import { browserApi, call, idempotencyKey, type Result } from "@/lib/api/browser";
import { failureMessage, fieldErrors, problemSlug, type Failure } from "@/lib/api/problem";
import type { EventDetail, EventImage } from "@/lib/api/types";

/** The most images an event may have (the API refuses more with `too-many-images`). */
const MAX_IMAGES = 8;

/**
 * The event's images: upload one with its alt text, describe, move up or down, remove.
 * Every command answers with the event as it now is, which the panel shows at once.
 */
export function EventImagesPanel({ event }: { event: EventDetail }) {
  const [images, setImages] = useState<EventImage[]>(event.images);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = (result: Result<EventDetail>) => {
    if (!result.ok) return setFailure(result.failure);
    setFailure(null);
    setImages(result.data.images);
  };

  const path = (image: EventImage) => ({ event_id: event.id, image_id: image.id });

  const move = async (index: number, by: number) => {
    const order = images.map((image) => image.id);
    const [moved] = order.splice(index, 1);
    if (!moved) return;
    order.splice(index + by, 0, moved);
    setBusy(true);
    apply(
      await call(() =>
        browserApi.PUT("/organiser/events/{event_id}/image-order", {
          params: { path: { event_id: event.id } },
          body: { image_ids: order },
        }),
      ),
    );
    setBusy(false);
  };

  const remove = async (image: EventImage) => {
    if (!window.confirm(`Remove the image "${image.alt}"?`)) return;
    setBusy(true);
    apply(await call(() => browserApi.DELETE("/organiser/events/{event_id}/images/{image_id}", { params: { path: path(image) } })));
    setBusy(false);
  };

  const describe = async (image: EventImage, alt: string) => {
    setBusy(true);
    const result = await call(() =>
      browserApi.PATCH("/organiser/events/{event_id}/images/{image_id}", { params: { path: path(image) }, body: { alt } }),
    );
    apply(result);
    setBusy(false);
    return result.ok;
  };

  return (
    <div className="space-y-6">
      {images.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          No images yet. The first one you upload is the poster on the listing and the event page.
        </p>
      ) : (
        <ol aria-label="Images" className="grid gap-4 sm:grid-cols-2">
          {images.map((image, index) => (
            <li key={image.id} className="space-y-3 rounded-lg border p-3" data-image-id={image.id}>
              <div className="relative overflow-hidden rounded-md">
                <EventPicture image={image} sizes="(min-width: 640px) 20rem, 100vw" className="aspect-[3/2]" />
                {index === 0 ? <Badge className="absolute top-2 left-2">Poster</Badge> : null}
              </div>
              <AltTextForm image={image} position={index + 1} onSave={describe} disabled={busy} />
              <div className="flex flex-wrap gap-2">
                <Button
                  size="sm"
                  variant="outline"
                  onClick={() => move(index, -1)}
                  disabled={busy || index === 0}
                  aria-label={`Move image ${index + 1} up`}
                >
                  <ArrowUp aria-hidden /> Up
                </Button>
                <Button
                  size="sm"
                  variant="outline"
                  onClick={() => move(index, 1)}
                  disabled={busy || index === images.length - 1}
                  aria-label={`Move image ${index + 1} down`}
                >
                  <ArrowDown aria-hidden /> Down
                </Button>
                <Button size="sm" variant="ghost" onClick={() => remove(image)} disabled={busy} aria-label={`Remove image ${index + 1}`}>
                  Remove
                </Button>
              </div>
            </li>
          ))}
        </ol>
      )}
      {failure ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{failureMessage(failure)}</AlertDescription>
        </Alert>
      ) : null}
      {images.length < MAX_IMAGES ? (
        <UploadForm eventId={event.id} onUploaded={setImages} />
      ) : (
        <p className="text-sm text-muted-foreground">This event has the most images it can have ({MAX_IMAGES}). Remove one to add another.</p>
      )}
    </div>
  );
}

/** One image's alt text, saved on its own. */
function AltTextForm({
  image,
  position,
  onSave,
  disabled,
}: {
  image: EventImage;
  position: number;
  onSave: (image: EventImage, alt: string) => Promise<boolean>;
  disabled: boolean;
}) {
  const [alt, setAlt] = useState(image.alt);
  const [saved, setSaved] = useState(false);
  const id = `alt-${image.id}`;
  const changed = alt.trim() !== image.alt;

  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setSaved(false);
    setSaved(await onSave(image, alt.trim()));
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-2">
      <Field
        id={id}
        label={`Alt text of image ${position}`}
        value={alt}
        maxLength={300}
        onChange={(ev) => {
          setAlt(ev.target.value);
          setSaved(false);
        }}
      />
      <div className="flex items-center gap-2">
        <Button type="submit" size="sm" variant="secondary" disabled={disabled || !changed || alt.trim() === ""}>
          Save alt text
        </Button>
        {saved ? <span className="text-sm text-success">Saved.</span> : null}
      </div>
    </form>
  );
}

/** Sends a file and its alt text as multipart/form-data. */
async function uploadImage(eventId: string, form: FormData, key: string): Promise<Result<EventDetail>> {
  return call(async () => {
    const response = await fetch(`/api/organiser/events/${eventId}/images`, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "Idempotency-Key": key },
    });
    const body: unknown = await response.json().catch(() => undefined);
    return response.ok ? { data: body as EventDetail, response } : { error: body, response };
  });
}

function UploadForm({ eventId, onUploaded }: { eventId: string; onUploaded: (images: EventImage[]) => void }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  // One key per file chosen: a retry after a lost answer adds the image once.
  const [key, setKey] = useState(idempotencyKey);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const formElement = ev.currentTarget;
    const form = new FormData(formElement);
    const file = form.get("file");
    if (!(file instanceof File) || file.size === 0) {
      setFailure({
        kind: "problem",
        status: 422,
        problem: {
          type: "urn:carneau:problem:validation",
          title: "Validation failed",
          status: 422,
          detail: "Choose a JPEG, PNG or WebP image to upload.",
          errors: [{ field: "file", message: "is required: choose a JPEG, PNG or WebP image" }],
        },
      });
      return;
    }
    setBusy(true);
    setDone(false);
    const result = await uploadImage(eventId, form, key);
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setFailure(null);
    setDone(true);
    setKey(idempotencyKey());
    formElement.reset();
    onUploaded(result.data.images);
  };

  // A bad file's problem names the file in a full sentence; say it next to the input.
  const fileError = !errors.file
    ? undefined
    : failure && problemSlug(failure) !== "validation"
      ? failureMessage(failure)
      : `The image file ${errors.file.replace(/\.$/, "")}.`;
  const altError = errors.alt ? `The alt text ${errors.alt}.` : undefined;

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 border-t pt-6" aria-label="Upload an image">
      <h3 className="font-semibold">Upload an image</h3>
      <Field
        id="image_file"
        name="file"
        label="Image file"
        type="file"
        accept="image/jpeg,image/png,image/webp"
        hint="JPEG, PNG or WebP, up to 10 MB. It is resized for phones and wide screens; its metadata (camera, location) is removed."
        error={fileError}
        onChange={() => setKey(idempotencyKey())}
      />
      <Field
        id="image_alt"
        name="alt"
        label="Alt text"
        maxLength={300}
        hint="What the image shows, for people who cannot see it: the event's name and anything written on the poster."
        error={altError}
      />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={busy}>
          {busy ? "Uploading…" : "Upload image"}
        </Button>
        {done ? <span className="text-sm text-success">Image added.</span> : null}
      </div>
      {failure && !errors.file && !errors.alt ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{failureMessage(failure)}</AlertDescription>
        </Alert>
      ) : null}
    </form>
  );
}
