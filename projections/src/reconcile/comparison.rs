//! The log's figures against the organiser's sales page, figure by figure, each by the
//! sales page's own definition (see `docs/audit.md`, "Reconciling money").

use serde::Serialize;
use uuid::Uuid;

use super::figures::LogFigures;
use crate::orders::EventSales;

/// One figure on which the log and the sales page disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What the figure is about: `"ticket type Standing (<id>)"`, `"event"`.
    pub subject: String,
    /// Which figure: `sold`, `refunded`, `revenue_minor`, `total_revenue_minor`,
    /// `orders_paid`, `currency`, `listed`.
    pub figure: String,
    /// What the log says (`None`: the log has no such thing).
    pub log: Option<String>,
    /// What the sales page shows (`None`: the page does not list it).
    pub sales_page: Option<String>,
}

impl Difference {
    fn of(subject: &str, figure: &str, log: Option<String>, sales_page: Option<String>) -> Self {
        Self {
            subject: subject.to_owned(),
            figure: figure.to_owned(),
            log,
            sales_page,
        }
    }
}

/// How many figures were compared, and those that differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Figures compared.
    pub compared: u32,
    /// The ones that differ, in the order compared.
    pub differences: Vec<Difference>,
}

impl Comparison {
    fn check(&mut self, subject: &str, figure: &str, log: i64, sales_page: i64) {
        self.compared += 1;
        if log != sales_page {
            self.differences.push(Difference::of(
                subject,
                figure,
                Some(log.to_string()),
                Some(sales_page.to_string()),
            ));
        }
    }
}

/// Compares, per ticket type, `sold` (the log's `sold - returned`), `refunded` and
/// `revenue`; then the total revenue against the log's net money in the page's currency,
/// and the number of orders paid. A ticket type on one side only is a difference.
pub fn compare(log: &LogFigures, page: &EventSales) -> Comparison {
    let mut comparison = Comparison::default();
    for figures in &log.ticket_types {
        let subject =
            ticket_type_subject(figures.name.as_deref(), figures.ticket_type_id.as_uuid());
        let Some(listed) = page
            .ticket_types
            .iter()
            .find(|listed| listed.ticket_type_id == figures.ticket_type_id.as_uuid())
        else {
            comparison.compared += 1;
            comparison.differences.push(Difference::of(
                &subject,
                "listed",
                Some(format!("sold {}", figures.sold_net)),
                None,
            ));
            continue;
        };
        comparison.check(&subject, "sold", figures.sold_net, listed.sold);
        comparison.check(&subject, "refunded", figures.refunded, listed.refunded);
        comparison.check(
            &subject,
            "revenue_minor",
            figures.revenue_minor,
            listed.revenue.amount_minor,
        );
    }
    for listed in &page.ticket_types {
        let known = log
            .ticket_types
            .iter()
            .any(|figures| figures.ticket_type_id.as_uuid() == listed.ticket_type_id);
        if !known {
            comparison.compared += 1;
            comparison.differences.push(Difference::of(
                &ticket_type_subject(Some(&listed.name), listed.ticket_type_id),
                "listed",
                None,
                Some(format!("sold {}", listed.sold)),
            ));
        }
    }
    let page_currency = page.total_revenue.currency.as_str();
    comparison.compared += 1;
    let log_currency = log.currency.map(|currency| currency.as_str().to_owned());
    if log_currency.as_deref() != Some(page_currency) {
        comparison.differences.push(Difference::of(
            "event",
            "currency",
            log_currency,
            Some(page_currency.to_owned()),
        ));
    }
    let net = log
        .money
        .iter()
        .find(|money| money.currency.as_str() == page_currency)
        .map_or(0, |money| money.net_minor);
    comparison.check(
        "event",
        "total_revenue_minor",
        net,
        page.total_revenue.amount_minor,
    );
    comparison.check(
        "event",
        "orders_paid",
        log.orders.paid_as_sales_page,
        page.orders_paid,
    );
    comparison
}

fn ticket_type_subject(name: Option<&str>, id: Uuid) -> String {
    match name {
        Some(name) => format!("ticket type {name} ({id})"),
        None => format!("ticket type {id}"),
    }
}
