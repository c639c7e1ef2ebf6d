//! QR images of ticket codes decode back to a code the door accepts.

use carneau_commands::tickets::{qr_png, qr_svg, TicketCodes, QR_MIN_SIDE_PX, TICKET_QR_MASK};
use carneau_domain::ticket_code::{CodeError, TicketCode, TicketSecret};
use carneau_domain::{EventId, TicketId};
use carneau_testkit::qr::{decode_png, png_attachments};
use qrcodegen::{Mask, QrCode, QrCodeEcc, QrSegment, Version};
use uuid::Uuid;

fn codes() -> TicketCodes {
    TicketCodes::new(TicketSecret::new(vec![42u8; 32]).unwrap())
}

/// The code of ticket `n << 64` of event `n`: the same codes on every run.
fn numbered_code(n: u128) -> TicketCode {
    let event = EventId::from_uuid(Uuid::from_u128(n));
    codes().code_for(event, TicketId::from_uuid(Uuid::from_u128(n << 64)))
}

/// `segments` as a QR matrix drawn with `mask`, at the error correction tickets use.
fn encoded(segments: &[QrSegment], mask: u8) -> QrCode {
    QrCode::encode_segments_advanced(
        segments,
        QrCodeEcc::Medium,
        Version::MIN,
        Version::MAX,
        Some(Mask::new(mask)),
        false,
    )
    .unwrap()
}

#[test]
fn a_png_qr_code_decodes_to_a_code_that_verifies() {
    let (event, ticket) = (EventId::new(), TicketId::new());
    let code = codes().code_for(event, ticket);
    let png = qr_png(&code).unwrap();
    let image = image::load_from_memory(&png).unwrap();
    assert!(image.width() >= QR_MIN_SIDE_PX);
    let scanned = decode_png(&png);
    assert_eq!(scanned, code.as_str());
    // Small enough for a phone screen: alphanumeric mode keeps it at version 7
    // (7 × 4 + 17 = 45 modules a side, 53 with the quiet zone, 5 pixels each).
    assert_eq!((image.width(), image.height()), (265, 265));
    assert_eq!(codes().judge(event, &scanned), Ok(ticket));
}

/// Every code is drawn with one mask rather than the one that scores best: many codes
/// in a row must all scan, whatever their signature's bits draw.
#[test]
fn codes_drawn_with_the_one_mask_all_scan() {
    let event = EventId::new();
    for _ in 0..100 {
        let ticket = TicketId::new();
        let code = codes().code_for(event, ticket);
        let scanned = decode_png(&qr_png(&code).unwrap());
        assert_eq!(codes().judge(event, &scanned), Ok(ticket));
    }
}

/// Every pixel of the PNG is its module's colour, the quiet zone white: a scanner forgives
/// a wrong pixel or two, so scanning alone would not show a row drawn one pixel off.
#[test]
fn every_pixel_of_the_png_is_its_modules_colour() {
    for n in 0..20u128 {
        let code = numbered_code(n);
        let qr = encoded(&QrSegment::make_segments(code.as_str()), TICKET_QR_MASK);
        let image = image::load_from_memory(&qr_png(&code).unwrap())
            .unwrap()
            .to_luma8();
        let modules = u32::try_from(qr.size()).unwrap() + 8;
        let scale = image.width() / modules;
        assert_eq!(
            (image.width(), image.height()),
            (modules * scale, modules * scale)
        );
        for (x, y, pixel) in image.enumerate_pixels() {
            let (column, row) = ((x / scale) as i32 - 4, (y / scale) as i32 - 4);
            // Outside the matrix `get_module` answers light: the quiet zone.
            let white = !qr.get_module(column, row);
            assert_eq!(pixel.0[0] == 255, white, "code {n}, pixel ({x}, {y})");
            assert!(pixel.0[0] == 0 || pixel.0[0] == 255);
        }
    }
}

#[test]
fn the_svg_carries_the_same_code_as_the_png() {
    let (event, ticket) = (EventId::new(), TicketId::new());
    let code = codes().code_for(event, ticket);
    let svg = qr_svg(&code).unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("<svg"),
        "{svg:.80}"
    );
    // Both render the same QR matrix; the PNG is decoded above, here the SVG must not
    // be empty and must be a different document for a different ticket.
    let other = qr_svg(&codes().code_for(event, TicketId::new())).unwrap();
    assert_ne!(svg, other);
}

#[test]
fn the_server_tells_another_events_ticket_from_a_forgery() {
    let (concert, festival, ticket) = (EventId::new(), EventId::new(), TicketId::new());
    let festival_code = codes().code_for(festival, ticket);
    assert_eq!(
        codes().judge(concert, festival_code.as_str()),
        Err(CodeError::WrongEvent { event_id: festival })
    );
    let forger = TicketCodes::new(TicketSecret::new(vec![7u8; 32]).unwrap());
    let forged_for_festival = forger.code_for(festival, ticket);
    assert_eq!(
        codes().judge(concert, forged_for_festival.as_str()),
        Err(CodeError::Forged)
    );
    assert_eq!(
        codes().judge(concert, forger.code_for(concert, ticket).as_str()),
        Err(CodeError::Forged)
    );
    assert_eq!(
        codes().judge(concert, "garbage"),
        Err(CodeError::Unreadable)
    );
}

#[test]
fn the_tickets_email_attaches_a_qr_code_per_ticket_that_verifies() {
    use carneau_commands::tickets::{EmailedTicket, TicketEmail};
    use carneau_domain::event::{EventDetails, TimeZone, Venue};
    use carneau_domain::text::{Description, Title, VenueAddress, VenueName};
    use chrono::{TimeZone as _, Utc};

    let event = EventId::new();
    let tickets = [TicketId::new(), TicketId::new()];
    let email = TicketEmail {
        resend: None,
        order_id: uuid::Uuid::now_v7(),
        buyer_email: "buyer@example.com".to_owned(),
        event: EventDetails {
            attendee_questions: Default::default(),
            title: Title::parse("Jazz at Dusk").unwrap(),
            description: Description::parse("").unwrap(),
            venue: Venue {
                name: VenueName::parse("Le Sunset").unwrap(),
                address: VenueAddress::parse("60 rue des Lombards, 75001 Paris").unwrap(),
            },
            starts_at: Utc.with_ymd_and_hms(2030, 6, 1, 17, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2030, 6, 1, 21, 0, 0).unwrap(),
            time_zone: TimeZone::parse("Europe/Paris").unwrap(),
        },
        order_url: "http://127.0.0.1:3000/orders/o?key=k".to_owned(),
        event_url: "http://127.0.0.1:3000/events/e".to_owned(),
        calendar_url: "http://127.0.0.1:8080/events/e/calendar.ics".to_owned(),
        tickets: tickets
            .iter()
            .map(|ticket| EmailedTicket {
                attendee_name: None,
                ticket_type_name: "VIP".to_owned(),
                code: codes().code_for(event, *ticket),
            })
            .collect(),
    };
    let mail = email.compose("Carneau <tickets@carneau.example>").unwrap();
    assert_eq!(mail.subject, "Your tickets for Jazz at Dusk");
    assert!(
        mail.text_body.contains("19:00 (CEST)"),
        "{}",
        mail.text_body
    );
    assert!(mail
        .text_body
        .contains("http://127.0.0.1:3000/orders/o?key=k"));
    // Where to go, the event's page and its calendar file.
    assert!(
        mail.text_body
            .contains("Le Sunset\n60 rue des Lombards, 75001 Paris"),
        "{}",
        mail.text_body
    );
    assert!(mail.text_body.contains("http://127.0.0.1:3000/events/e"));
    assert!(mail
        .text_body
        .contains("http://127.0.0.1:8080/events/e/calendar.ics"));
    let formatted = String::from_utf8(mail.formatted).unwrap();
    let pngs = png_attachments(&formatted);
    assert_eq!(pngs.len(), 2);
    let admitted: Vec<TicketId> = pngs
        .iter()
        .map(|png| codes().judge(event, &decode_png(png)).unwrap())
        .collect();
    assert_eq!(admitted, tickets);
}

/// The mask the codes are drawn with scores lowest of the eight, summed over many ticket
/// codes, under the penalty rules the QR standard chooses a mask by (so fixing it gives
/// up the least of what choosing per code would buy).
#[test]
fn the_one_mask_is_the_best_of_eight_for_ticket_codes() {
    let mut totals = [0u64; 8];
    for n in 0..200u128 {
        let code = numbered_code(n);
        let segments = QrSegment::make_segments(code.as_str());
        for (mask, total) in (0u8..).zip(totals.iter_mut()) {
            let qr = encoded(&segments, mask);
            *total += u64::from(penalty(&qr));
        }
    }
    let best = (0u8..).zip(totals).min_by_key(|&(_, total)| total).unwrap();
    assert_eq!(best.0, TICKET_QR_MASK, "penalties by mask: {totals:?}");
}

/// The standard's four penalty rules: runs of five or more alike in a row or column,
/// 2 × 2 blocks alike, finder-like 1:1:3:1:1 patterns beside four light modules, and a
/// dark share away from half.
fn penalty(qr: &QrCode) -> u32 {
    let size = qr.size();
    let dark = |x: i32, y: i32| qr.get_module(x, y);
    let mut penalty = 0;
    for across in [true, false] {
        let at = |line: i32, k: i32| if across { dark(k, line) } else { dark(line, k) };
        for line in 0..size {
            let mut run = 1;
            for k in 1..=size {
                if k < size && at(line, k) == at(line, k - 1) {
                    run += 1;
                    continue;
                }
                if run >= 5 {
                    penalty += 3 + (run - 5);
                }
                run = 1;
            }
            let finder = [true, false, true, true, true, false, true];
            for start in 0..=size - 7 {
                if (0..7).any(|k| at(line, start + k) != finder[k as usize]) {
                    continue;
                }
                let light = |from: i32| (from..from + 4).all(|k| !at(line, k));
                if (start >= 4 && light(start - 4)) || (start + 11 <= size && light(start + 7)) {
                    penalty += 40;
                }
            }
        }
    }
    for y in 0..size - 1 {
        for x in 0..size - 1 {
            let module = dark(x, y);
            if module == dark(x + 1, y) && module == dark(x, y + 1) && module == dark(x + 1, y + 1)
            {
                penalty += 3;
            }
        }
    }
    let total = size * size;
    let darks = (0..size)
        .flat_map(|y| (0..size).map(move |x| (x, y)))
        .filter(|&(x, y)| dark(x, y))
        .count();
    let darks = i32::try_from(darks).unwrap();
    let steps = ((darks * 20 - total * 10).abs() + total - 1) / total - 1;
    penalty += 10 * steps.max(0);
    u32::try_from(penalty).unwrap()
}
