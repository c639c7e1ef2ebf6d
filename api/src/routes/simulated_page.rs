//! The simulated checkout's page: what stands in for Stripe's hosted page when no Stripe
//! key is set. Plain HTML served by the API, drawn with the web client's colours, type
//! and card so a buyer does not feel sent elsewhere, and marked SIMULATED.

use carneau_commands::payments::gateway::SessionStatus;
use carneau_commands::payments::simulated::SimulatedSession;
use chrono::Utc;

use carneau_commands::mail::escape_html as escape;

/// The web client's design tokens (frontend/src/app/globals.css) and its card and
/// button shapes, as plain CSS: the page has no build step of its own.
const STYLE: &str = r#"
:root { --background: oklch(0.99 0 0); --foreground: oklch(0.18 0.01 265);
  --card: oklch(1 0 0); --primary: oklch(0.45 0.2 275); --primary-foreground: oklch(0.98 0 0);
  --muted-foreground: oklch(0.48 0.02 265); --accent: oklch(0.95 0.02 275);
  --accent-foreground: oklch(0.25 0.05 275); --border: oklch(0.91 0.005 265);
  --input: oklch(0.87 0.01 265); --ring: oklch(0.55 0.2 275); --warning: oklch(0.7 0.15 70); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--background); color: var(--foreground);
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  -webkit-font-smoothing: antialiased; line-height: 1.5; }
header { border-bottom: 1px solid var(--border); }
header div { max-width: 72rem; margin: 0 auto; height: 3.5rem; padding: 0 1rem; display: flex; align-items: center; gap: .5rem; font-weight: 600; }
.logo { width: 2rem; height: 2rem; border-radius: .5rem; background: var(--primary); color: var(--primary-foreground); display: flex; align-items: center; justify-content: center; font-size: .9rem; }
main { max-width: 36rem; margin: 0 auto; padding: 2rem 1rem; display: grid; gap: 1.5rem; }
h1 { font-size: 1.875rem; line-height: 1.2; letter-spacing: -0.025em; margin: 0; }
.banner { border: 1px solid oklch(0.7 0.15 70 / .5); background: oklch(0.97 0.05 85); border-radius: .625rem; padding: .75rem 1rem; font-size: .875rem; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: .875rem; box-shadow: 0 1px 2px rgb(0 0 0 / .05); padding: 1.5rem; display: grid; gap: 1rem; }
.muted { color: var(--muted-foreground); font-size: .875rem; margin: 0; }
.total { display: flex; justify-content: space-between; align-items: baseline; border-top: 1px solid var(--border); padding-top: .75rem; font-weight: 600; }
.total strong { font-size: 1.5rem; }
.actions { display: flex; flex-direction: column-reverse; gap: .5rem; }
@media (min-width: 640px) { .actions { flex-direction: row; justify-content: space-between; } }
button, .button { display: inline-flex; align-items: center; justify-content: center; height: 2.75rem; padding: 0 2rem; border-radius: .5rem; font: inherit; font-weight: 500; cursor: pointer; text-decoration: none; width: 100%; }
@media (min-width: 640px) { button, .button { width: auto; } }
.primary { background: var(--primary); color: var(--primary-foreground); border: 0; }
.ghost { background: transparent; color: var(--foreground); border: 0; }
.ghost:hover { background: var(--accent); color: var(--accent-foreground); }
button:focus-visible, .button:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
form { margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; }
"#;

/// The page of `session`: Pay and Cancel while it is open, else where it stands.
pub(super) fn page(session: &SimulatedSession) -> String {
    let amount = escape(&session.amount.to_display());
    let (title, body) = match session.status {
        SessionStatus::Open if session.expires_at > Utc::now() => (
            "Pay for your tickets",
            format!(
                r#"<section class="card" aria-label="Payment">
<p class="muted">Order <code>{order}</code></p>
<p class="muted">Tickets and receipt go to {email}.</p>
<div class="total"><span>Total to pay</span><strong id="amount">{amount}</strong></div>
<div class="actions">
<form method="post" action="{id}/cancel"><button type="submit" id="cancel" class="ghost">Cancel and go back</button></form>
<form method="post" action="{id}/pay"><button type="submit" id="pay" class="primary">Pay {amount}</button></form>
</div>
</section>"#,
                order = session.order_id,
                email = escape(&session.customer_email),
                id = escape(&session.session_id),
            ),
        ),
        SessionStatus::Complete => (
            "This checkout is paid",
            format!(
                r#"<section class="card"><p>{amount} was paid.</p>
<p><a class="button primary" href="{}">See your order</a></p></section>"#,
                escape(&session.success_url)
            ),
        ),
        _ => (
            "This checkout has expired",
            format!(
                r#"<section class="card"><p>Nothing was charged.</p>
<p><a class="button primary" href="{}">Back to your tickets</a></p></section>"#,
                escape(&session.cancel_url)
            ),
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · SIMULATED checkout · Carneau</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<header><div><span class="logo" aria-hidden="true">C</span><span>Carneau</span></div></header>
<main>
<h1>{title}</h1>
<p class="banner"><strong>SIMULATED checkout</strong>: no Stripe key is configured, so no money moves.
This page stands in for Stripe's payment page.</p>
{body}
</main>
</body></html>"#
    )
}
