//! A code verifies; an altered byte, another event's code and a forged signature do not.

use data_encoding::BASE32_NOPAD;
use uuid::Uuid;

use super::*;
use crate::ids::{EventId, TicketId};

fn secret() -> TicketSecret {
    TicketSecret::new(b"a server secret of at least thirty-two bytes".to_vec()).unwrap()
}

fn concert() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xc0ffee))
}

fn festival() -> EventId {
    EventId::from_uuid(Uuid::from_u128(0xfe57))
}

fn ticket() -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x7ac4e7))
}

fn reencode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

#[test]
fn a_code_verifies_with_its_events_public_key() {
    let key = secret().signing_key(concert());
    let code = key.code_for(ticket());
    assert_eq!(code.as_str().len(), TICKET_CODE_CHARS);
    let scanned = ScannedCode::parse(code.as_str()).unwrap();
    assert_eq!(key.verifying_key().verify(&scanned), Ok(ticket()));
}

#[test]
fn the_same_ticket_always_gets_the_same_code() {
    let first = secret().signing_key(concert()).code_for(ticket());
    let again = secret().signing_key(concert()).code_for(ticket());
    assert_eq!(first, again);
    let other = secret()
        .signing_key(concert())
        .code_for(TicketId::from_uuid(Uuid::from_u128(2)));
    assert_ne!(first.as_str(), other.as_str());
}

#[test]
fn codes_are_upper_case_base32_for_the_qr_alphanumeric_mode() {
    let code = secret().signing_key(concert()).code_for(ticket());
    assert!(code
        .as_str()
        .chars()
        .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
}

#[test]
fn scanners_may_change_case_and_add_whitespace() {
    let key = secret().signing_key(concert());
    let code = key.code_for(ticket());
    let sloppy = format!(" {}\n", code.as_str().to_ascii_lowercase());
    let scanned = ScannedCode::parse(&sloppy).unwrap();
    assert_eq!(key.verifying_key().verify(&scanned), Ok(ticket()));
}

#[test]
fn every_altered_byte_is_refused() {
    let key = secret().signing_key(concert());
    let verifying = key.verifying_key();
    let bytes = BASE32_NOPAD
        .decode(key.code_for(ticket()).as_str().as_bytes())
        .unwrap();
    for at in 0..bytes.len() {
        let mut altered = bytes.clone();
        altered[at] ^= 0x01;
        let outcome = ScannedCode::parse(&reencode(&altered)).and_then(|c| verifying.verify(&c));
        assert!(outcome.is_err(), "byte {at} altered but still admitted");
    }
}

#[test]
fn an_altered_ticket_id_is_a_forgery() {
    let key = secret().signing_key(concert());
    let mut bytes = BASE32_NOPAD
        .decode(key.code_for(ticket()).as_str().as_bytes())
        .unwrap();
    bytes[20] ^= 0x80;
    let scanned = ScannedCode::parse(&reencode(&bytes)).unwrap();
    assert_eq!(key.verifying_key().verify(&scanned), Err(CodeError::Forged));
}

#[test]
fn a_code_of_another_event_is_refused_as_wrong_event() {
    let festival_code = secret().signing_key(festival()).code_for(ticket());
    let scanned = ScannedCode::parse(festival_code.as_str()).unwrap();
    let at_the_concert = secret().signing_key(concert()).verifying_key();
    assert_eq!(
        at_the_concert.verify(&scanned),
        Err(CodeError::WrongEvent {
            event_id: festival()
        })
    );
}

#[test]
fn a_code_relabelled_for_another_event_is_a_forgery() {
    // The festival's real code with the concert's id written in: the concert's key
    // sees its own event id but the signature was made by another key.
    let festival_code = secret().signing_key(festival()).code_for(ticket());
    let mut bytes = BASE32_NOPAD
        .decode(festival_code.as_str().as_bytes())
        .unwrap();
    bytes[1..17].copy_from_slice(concert().as_uuid().as_bytes());
    let scanned = ScannedCode::parse(&reencode(&bytes)).unwrap();
    let at_the_concert = secret().signing_key(concert()).verifying_key();
    assert_eq!(at_the_concert.verify(&scanned), Err(CodeError::Forged));
}

#[test]
fn a_code_signed_under_another_secret_is_a_forgery() {
    let forger = TicketSecret::new(vec![7u8; 32]).unwrap();
    let forged = forger.signing_key(concert()).code_for(ticket());
    let scanned = ScannedCode::parse(forged.as_str()).unwrap();
    assert_eq!(
        secret()
            .signing_key(concert())
            .verifying_key()
            .verify(&scanned),
        Err(CodeError::Forged)
    );
}

#[test]
fn a_zeroed_signature_is_a_forgery() {
    let key = secret().signing_key(concert());
    let mut bytes = BASE32_NOPAD
        .decode(key.code_for(ticket()).as_str().as_bytes())
        .unwrap();
    bytes[33..].fill(0);
    let scanned = ScannedCode::parse(&reencode(&bytes)).unwrap();
    assert_eq!(key.verifying_key().verify(&scanned), Err(CodeError::Forged));
}

#[test]
fn texts_that_are_not_codes_are_unreadable() {
    let code = secret().signing_key(concert()).code_for(ticket());
    let truncated = &code.as_str()[..TICKET_CODE_CHARS - 1];
    let mut wrong_version = BASE32_NOPAD.decode(code.as_str().as_bytes()).unwrap();
    wrong_version[0] = 2;
    for text in [
        "",
        "hello",
        truncated,
        &format!("{}A", code.as_str()),
        &"1".repeat(TICKET_CODE_CHARS),
        &reencode(&wrong_version),
    ] {
        assert_eq!(
            ScannedCode::parse(text),
            Err(CodeError::Unreadable),
            "{text:?}"
        );
    }
}

#[test]
fn events_have_distinct_keys_and_public_keys_round_trip() {
    let concert_key = secret().signing_key(concert()).verifying_key();
    let festival_key = secret().signing_key(festival()).verifying_key();
    assert_ne!(concert_key.to_bytes(), festival_key.to_bytes());
    let published = EventVerifyingKey::from_bytes(concert(), &concert_key.to_bytes()).unwrap();
    assert_eq!(published, concert_key);
    assert_eq!(published.event_id(), concert());
}

#[test]
fn short_secrets_are_refused_and_never_shown() {
    assert_eq!(
        TicketSecret::new(vec![1u8; 31]).unwrap_err(),
        TicketSecretError
    );
    let shown = format!("{:?} {:?}", secret(), secret().signing_key(concert()));
    assert!(!shown.contains("thirty-two"), "{shown}");
    let code = secret().signing_key(concert()).code_for(ticket());
    assert!(!format!("{code:?}").contains(code.as_str()));
}
