import type { Metadata } from "next";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EventForm } from "@/components/organiser/event-form";
import { RequireOrganiser } from "@/components/organiser/require-organiser";

export const metadata: Metadata = { title: "New event" };
export const dynamic = "force-dynamic";

export default function NewEventPage() {
  return (
    <RequireOrganiser>
      <Card className="mx-auto max-w-3xl">
        <CardHeader>
          <CardTitle>
            <span role="heading" aria-level={1}>New event</span>
          </CardTitle>
          <CardDescription>It starts as a draft: add ticket types, then publish it to put it on sale.</CardDescription>
        </CardHeader>
        <CardContent>
          <EventForm />
        </CardContent>
      </Card>
    </RequireOrganiser>
  );
}
