import type { Metadata } from "next";

import { ForgotPasswordForm } from "@/components/password-reset";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return <ForgotPasswordForm />;
}
