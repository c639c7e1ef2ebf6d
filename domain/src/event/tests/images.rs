//! An event's images: added up to a cap, described, reordered, removed.

use uuid::Uuid;

use super::fixtures::*;
use crate::event::{EventCatalogueEvent, EventCommand, EventError, EventImage, MAX_EVENT_IMAGES};
use crate::ids::EventImageId;
use crate::text::AltText;

fn image_id(n: u128) -> EventImageId {
    EventImageId::from_uuid(Uuid::from_u128(0x1A00 + n))
}

fn image(n: u128) -> EventImage {
    EventImage {
        id: image_id(n),
        content_hash: format!("{n:064x}"),
        width: 2000,
        height: 1000,
        alt: AltText::parse(format!("Picture {n}")).unwrap(),
        widths: vec![480, 960, 1600],
    }
}

fn gallery(ns: &[u128]) -> Vec<EventImage> {
    ns.iter().map(|n| image(*n)).collect()
}

fn image_added(ns: &[u128]) -> EventCatalogueEvent {
    EventCatalogueEvent::EventImageAdded {
        image_id: image_id(*ns.last().unwrap()),
        gallery: gallery(ns),
    }
}

/// A draft with images 1, 2 and 3, in that order.
fn draft_with_three_images() -> Vec<EventCatalogueEvent> {
    vec![
        drafted(),
        image_added(&[1]),
        image_added(&[1, 2]),
        image_added(&[1, 2, 3]),
    ]
}

#[test]
fn adds_an_image_after_the_others() {
    let mut given = vec![drafted(), image_added(&[1])];
    given.push(image_added(&[1, 2]));
    event_test()
        .given(given)
        .when(EventCommand::AddImage(image(3)))
        .then_expect_events(vec![image_added(&[1, 2, 3])]);
}

#[test]
fn refuses_more_images_than_the_cap() {
    let mut given = vec![drafted()];
    let ns: Vec<u128> = (1..=MAX_EVENT_IMAGES as u128).collect();
    for last in 1..=ns.len() {
        given.push(image_added(&ns[..last]));
    }
    event_test()
        .given(given)
        .when(EventCommand::AddImage(image(99)))
        .then_expect_error(EventError::TooManyImages);
}

#[test]
fn refuses_an_image_id_it_has_already() {
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::AddImage(image(2)))
        .then_expect_error(EventError::DuplicateImage(image_id(2)));
}

#[test]
fn changes_the_alt_text_of_one_image() {
    let alt = AltText::parse("The band on stage").unwrap();
    let mut expected = gallery(&[1, 2, 3]);
    expected[1].alt = alt.clone();
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::ChangeImageAltText {
            image_id: image_id(2),
            alt,
        })
        .then_expect_events(vec![EventCatalogueEvent::EventImageAltTextChanged {
            image_id: image_id(2),
            gallery: expected,
        }]);
}

#[test]
fn the_same_alt_text_again_records_nothing() {
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::ChangeImageAltText {
            image_id: image_id(2),
            alt: image(2).alt,
        })
        .then_expect_events(vec![]);
}

#[test]
fn reorders_the_images() {
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::ReorderImages(vec![
            image_id(3),
            image_id(1),
            image_id(2),
        ]))
        .then_expect_events(vec![EventCatalogueEvent::EventImagesReordered {
            gallery: gallery(&[3, 1, 2]),
        }]);
}

#[test]
fn refuses_an_order_that_is_not_exactly_its_images() {
    for order in [
        vec![image_id(1), image_id(2)],
        vec![image_id(1), image_id(2), image_id(2)],
        vec![image_id(1), image_id(2), image_id(4)],
        vec![image_id(1), image_id(2), image_id(3), image_id(3)],
    ] {
        event_test()
            .given(draft_with_three_images())
            .when(EventCommand::ReorderImages(order))
            .then_expect_error(EventError::ImageOrderMismatch);
    }
}

#[test]
fn removes_an_image_and_keeps_the_order_of_the_others() {
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::RemoveImage {
            image_id: image_id(2),
        })
        .then_expect_events(vec![EventCatalogueEvent::EventImageRemoved {
            image_id: image_id(2),
            gallery: gallery(&[1, 3]),
        }]);
}

#[test]
fn refuses_to_touch_an_image_it_does_not_have() {
    event_test()
        .given(draft_with_three_images())
        .when(EventCommand::RemoveImage {
            image_id: image_id(7),
        })
        .then_expect_error(EventError::UnknownImage(image_id(7)));
}

#[test]
fn refuses_images_once_cancelled() {
    let mut given = published_event();
    given.push(cancelled());
    event_test()
        .given(given)
        .when(EventCommand::AddImage(image(1)))
        .then_expect_error(EventError::Cancelled);
}
