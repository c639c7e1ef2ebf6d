//! The reconciliation as a person reads it: tickets per type, money per currency, the
//! late orders, then the verdict ("matches the sales page" or each difference).

use std::fmt::Write;

use carneau_domain::money::Currency;
use carneau_projections::reconcile::{Difference, Reconciliation};

/// The report's text, ending with a newline.
pub fn render(reconciliation: &Reconciliation) -> String {
    let mut out = String::new();
    let log = &reconciliation.log;
    let currency = log.currency;
    let read_up_to = log
        .read_up_to
        .map_or_else(|| "nothing".to_owned(), |position| position.to_string());
    let _ = writeln!(
        out,
        "Event {} ({}): {} facts read from the event log, up to {read_up_to}",
        reconciliation.event_id,
        currency.map_or_else(|| "no currency".to_owned(), |currency| currency.to_string()),
        log.facts_read,
    );
    tickets(&mut out, reconciliation, currency);
    money(&mut out, reconciliation);
    orders(&mut out, reconciliation);
    verdict(&mut out, reconciliation, currency);
    out
}

fn amount(currency: Option<Currency>, minor: i64) -> String {
    currency.map_or_else(
        || minor.to_string(),
        |currency| currency.format_minor(minor),
    )
}

fn tickets(out: &mut String, reconciliation: &Reconciliation, currency: Option<Currency>) {
    let types = &reconciliation.log.ticket_types;
    let names: Vec<String> = types
        .iter()
        .map(|t| {
            t.name
                .clone()
                .unwrap_or_else(|| t.ticket_type_id.to_string())
        })
        .collect();
    let width = names
        .iter()
        .map(String::len)
        .chain([11])
        .max()
        .unwrap_or(11);
    let _ = writeln!(
        out,
        "\n{:<width$}  {:>5}  {:>8}  {:>8}  {:>8}  {:>13}  {:>12}",
        "Ticket type", "sold", "refunded", "returned", "admitted", "sold-returned", "revenue"
    );
    for (figures, name) in types.iter().zip(&names) {
        let _ = writeln!(
            out,
            "{name:<width$}  {:>5}  {:>8}  {:>8}  {:>8}  {:>13}  {:>12}",
            figures.sold,
            figures.refunded,
            figures.returned,
            figures.admitted,
            figures.sold_net,
            amount(currency, figures.revenue_minor),
        );
    }
    out.push_str(
        "  sold: every ticket ever sold, refunded ones included; sold-returned: what the \
         sales page calls sold;\n  revenue: tickets issued less tickets refunded, each at \
         its price (the sales page's revenue)\n",
    );
}

fn money(out: &mut String, reconciliation: &Reconciliation) {
    let _ = writeln!(
        out,
        "\n{:<8}  {:>12}  {:>12}  {:>12}  {:>15}",
        "Money", "gross", "refunded", "net", "refunds pending"
    );
    for money in &reconciliation.log.money {
        let format = |minor| money.currency.format_minor(minor);
        let _ = writeln!(
            out,
            "{:<8}  {:>12}  {:>12}  {:>12}  {:>15}",
            money.currency.as_str(),
            format(money.gross_minor),
            format(money.refunded_minor),
            format(money.net_minor),
            format(money.refunds_pending_minor),
        );
    }
    out.push_str(
        "  gross: every payment taken, late ones included; refunded: refunds carried out; \
         net: gross - refunded\n",
    );
}

fn orders(out: &mut String, reconciliation: &Reconciliation) {
    let orders = &reconciliation.log.orders;
    let _ = writeln!(
        out,
        "\nOrders: {} placed, {} paid ({} as the sales page counts them: tickets issued, or a \
         refused late payment refunded)",
        orders.placed, orders.paid, orders.paid_as_sales_page
    );
    let lists = [
        ("paid late, still sold", &orders.paid_late_sold),
        (
            "paid late, refunded for lack of tickets",
            &orders.refunded_for_lack_of_tickets,
        ),
        ("paid, waiting for tickets", &orders.awaiting_tickets),
        (
            "sold, waiting for the payment to be recorded",
            &orders.sold_awaiting_payment,
        ),
    ];
    for (what, ids) in lists {
        let _ = writeln!(out, "  {what}: {}", ids.len());
        for id in ids {
            let _ = writeln!(out, "    {id}");
        }
    }
}

fn verdict(out: &mut String, reconciliation: &Reconciliation, currency: Option<Currency>) {
    if !reconciliation.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for note in &reconciliation.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    let comparison = &reconciliation.comparison;
    let _ = writeln!(
        out,
        "\nSales page: {} figures compared, {} differ",
        comparison.compared,
        comparison.differences.len()
    );
    for difference in &comparison.differences {
        let _ = writeln!(out, "  {}", describe(difference, currency));
    }
    out.push_str(if reconciliation.matches {
        "matches the sales page\n"
    } else {
        "DIFFERS from the sales page\n"
    });
}

/// `ticket type Standing (…): sold: log 2, sales page 3`, amounts in major units.
fn describe(difference: &Difference, currency: Option<Currency>) -> String {
    let show = |value: &Option<String>| match value {
        None => "absent".to_owned(),
        Some(value) => match (difference.figure.ends_with("_minor"), value.parse::<i64>()) {
            (true, Ok(minor)) => amount(currency, minor),
            _ => value.clone(),
        },
    };
    format!(
        "{}: {}: log {}, sales page {}",
        difference.subject,
        difference.figure.trim_end_matches("_minor"),
        show(&difference.log),
        show(&difference.sales_page)
    )
}
