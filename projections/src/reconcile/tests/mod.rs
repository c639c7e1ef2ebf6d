//! The fold and the comparison on facts written by hand: one event's whole story.

mod story;

use carneau_domain::order::RefundReason;
use uuid::Uuid;

use super::*;
use story::{eur, Story, BALCONY, STANDING};

/// (name, sold, refunded, returned, admitted, sold - returned, revenue) of a ticket type.
type Row<'a> = (Option<&'a str>, i64, i64, i64, i64, i64, i64);

#[test]
fn counts_tickets_per_type_from_sales_refunds_returns_and_check_ins() {
    let (story, _, _) = Story::told();
    let figures = story.ledger.figures();
    let rows: Vec<Row> = figures
        .ticket_types
        .iter()
        .map(|t| {
            let name = t.name.as_deref();
            (
                name,
                t.sold,
                t.refunded,
                t.returned,
                t.admitted,
                t.sold_net,
                t.revenue_minor,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // Balcony: one in the mixed order (admitted), one refunded whole.
            (Some("Balcony"), 2, 1, 1, 1, 1, BALCONY),
            // Standing: two in the mixed order (one refunded, one admitted), one sold late
            // (admitted); the refused late payment sold nothing.
            (Some("Standing"), 3, 1, 1, 2, 2, 2 * STANDING),
        ]
    );
    assert_eq!(figures.admitted_unknown_tickets, 0);
}

#[test]
fn money_counts_every_payment_taken_and_every_refund_carried_out() {
    let (story, _, _) = Story::told();
    let money = story.ledger.figures().money;
    // Paid: the mixed order, the whole refund, the refused late payment, the late sale.
    let gross = (2 * STANDING + BALCONY) + BALCONY + 2 * STANDING + STANDING;
    let refunded = STANDING + BALCONY + 2 * STANDING;
    assert_eq!(
        money,
        vec![CurrencyFigures {
            currency: eur(),
            gross_minor: gross,
            refunded_minor: refunded,
            net_minor: gross - refunded,
            refunds_pending_minor: 0,
        }]
    );
    assert_eq!(gross - refunded, BALCONY + 2 * STANDING);
}

#[test]
fn tells_late_payments_sold_from_late_payments_refunded_for_lack_of_tickets() {
    let (story, refused, late) = Story::told();
    let orders = story.ledger.figures().orders;
    assert_eq!(orders.placed, 5);
    assert_eq!(orders.paid, 4);
    // The refused late payment counts once its refund is done, as on the sales page.
    assert_eq!(orders.paid_as_sales_page, 4);
    assert_eq!(orders.paid_late_sold, vec![late]);
    assert_eq!(orders.refunded_for_lack_of_tickets, vec![refused]);
    assert!(orders.awaiting_tickets.is_empty());
}

#[test]
fn a_sales_page_with_the_same_figures_matches() {
    let (story, _, _) = Story::told();
    let comparison = compare(&story.ledger.figures(), &story.sales_page());
    assert_eq!(comparison.differences, Vec::<Difference>::new());
    // Three figures per ticket type, currency, total revenue, orders paid.
    assert_eq!(comparison.compared, 9);
}

#[test]
fn each_figure_the_sales_page_has_wrong_is_a_difference() {
    let (story, _, _) = Story::told();
    let mut page = story.sales_page();
    page.ticket_types[1].sold = 3;
    page.ticket_types[0].revenue.amount_minor = 0;
    page.orders_paid = 5;
    let differences = compare(&story.ledger.figures(), &page).differences;
    let found: Vec<(&str, Option<&str>, Option<&str>)> = differences
        .iter()
        .map(|d| (d.figure.as_str(), d.log.as_deref(), d.sales_page.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("revenue_minor", Some("4000"), Some("0")),
            ("sold", Some("2"), Some("3")),
            ("orders_paid", Some("4"), Some("5")),
        ]
    );
    assert!(differences[1].subject.starts_with("ticket type Standing ("));
}

#[test]
fn a_ticket_type_on_one_side_only_is_a_difference() {
    let (story, _, _) = Story::told();
    let mut page = story.sales_page();
    page.ticket_types[0].ticket_type_id = Uuid::new_v4();
    let differences = compare(&story.ledger.figures(), &page).differences;
    let listed: Vec<(Option<&str>, Option<&str>)> = differences
        .iter()
        .filter(|d| d.figure == "listed")
        .map(|d| (d.log.as_deref(), d.sales_page.as_deref()))
        .collect();
    assert_eq!(listed, vec![(Some("sold 1"), None), (None, Some("sold 1"))]);
}

#[test]
fn work_in_flight_is_noted_and_explains_the_gap_in_revenue() {
    let mut story = Story::new();
    let standing = story.standing;
    let paid = story.place(&[(standing, 2)]);
    story.pay(paid);
    let tickets = story.sell_and_issue(paid, &[(standing, 2)], false);
    story.refund(
        paid,
        1,
        &tickets[..1],
        STANDING,
        RefundReason::RequestedByOrganiser,
        true,
    );
    let waiting = story.place(&[(standing, 1)]);
    story.pay(waiting);
    let figures = story.ledger.figures();
    assert_eq!(figures.orders.awaiting_tickets, vec![waiting]);
    assert_eq!(figures.money[0].refunds_pending_minor, STANDING);
    // Not refunded until the provider says so: the ticket still counts, and is sold.
    assert_eq!(figures.ticket_types[1].refunded, 0);
    assert_eq!(figures.ticket_types[1].sold, 2);
    let notes = notes(&figures, &[]);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("25.00 EUR of refunds decided"),
        "{notes:?}"
    );
    assert!(notes[1].starts_with("1 paid order(s) waiting"), "{notes:?}");
}

#[test]
fn a_sale_made_before_its_payment_is_recorded_is_noted_until_the_payment_is() {
    // Today's order of facts: the hold is sold, then the payment and the tickets are
    // recorded together; a stop between the two leaves the sale alone for a while.
    let mut story = Story::new();
    let standing = story.standing;
    let order = story.place(&[(standing, 2)]);
    story.sell(order, &[(standing, 2)], false);
    let figures = story.ledger.figures();
    assert_eq!(figures.orders.sold_awaiting_payment, vec![order]);
    assert_eq!(figures.orders.paid, 0);
    assert_eq!(figures.ticket_types[1].sold, 2);
    assert_eq!(figures.ticket_types[1].revenue_minor, 0);
    let noted = notes(&figures, &[]);
    assert_eq!(noted.len(), 1, "{noted:?}");
    assert!(
        noted[0].starts_with("1 order(s) sold and waiting for their payment"),
        "{noted:?}"
    );

    story.pay(order);
    story.issue(order, &[(standing, 2)]);
    let figures = story.ledger.figures();
    assert!(figures.orders.sold_awaiting_payment.is_empty());
    assert_eq!(figures.orders.paid_as_sales_page, 1);
    assert_eq!(figures.ticket_types[1].sold, 2);
    assert_eq!(figures.ticket_types[1].revenue_minor, 2 * STANDING);
    assert_eq!(notes(&figures, &[]), Vec::<String>::new());
}

#[test]
fn a_projector_behind_the_last_fact_read_is_noted_first() {
    let (story, _, _) = Story::told();
    let mut figures = story.ledger.figures();
    figures.read_up_to = Some(crate::log::LogPosition {
        transaction_id: 900,
        global_position: 42,
    });
    let behind = [ProjectorBehind {
        projector: "orders".to_owned(),
        at: Some(crate::log::LogPosition {
            transaction_id: 800,
            global_position: 40,
        }),
    }];
    let notes = notes(&figures, &behind);
    assert!(
        notes[0]
            .starts_with("the sales page had not applied the log up to 900/42 (orders at 800/40)"),
        "{notes:?}"
    );
}
