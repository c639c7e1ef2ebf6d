//! What every aggregate is: a pure decision on a command and a state moved forward by the
//! events it recorded. Written once here, with the one adapter ([`aggregate!`]) that turns
//! it into a `cqrs_es::Aggregate`, so that the command layer can call the very decision
//! the given / when / then tests exercise without an event sink, and no aggregate copies
//! the `handle` and `apply` boilerplate.

use cqrs_es::DomainEvent;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An aggregate's rules as two pure functions. `cqrs_es::Aggregate::handle` writes what
/// [`Decide::decide`] returns to its sink and `apply` is [`Decide::evolve`], so a caller
/// that decides in memory (the reservation desk) and the event store decide alike.
pub trait Decide: Default + Serialize + DeserializeOwned + Send + Sync {
    /// The aggregate type's name in the event store; never changes once events exist.
    const TYPE: &'static str;
    /// What can be asked of the aggregate.
    type Command: Send;
    /// What it records.
    type Event: DomainEvent;
    /// Why it refuses a command.
    type Error: std::error::Error;

    /// The events `command` records, or why it is refused. Never changes `self`: the
    /// caller moves the state forward with [`Decide::evolve`] once the events are stored.
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// Moves the state forward by one recorded event; only assigns, never decides or fails.
    fn evolve(&mut self, event: Self::Event);
}

/// Implements `cqrs_es::Aggregate` for a type that implements [`Decide`]: `handle` writes
/// the decided events to the sink, `apply` evolves the state. A macro rather than a
/// blanket impl: the orphan rule refuses `impl<T: Decide> cqrs_es::Aggregate for T`,
/// a foreign trait for every type.
macro_rules! aggregate {
    ($aggregate:ty) => {
        impl ::cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = <$aggregate as $crate::aggregate::Decide>::TYPE;
            type Command = <$aggregate as $crate::aggregate::Decide>::Command;
            type Event = <$aggregate as $crate::aggregate::Decide>::Event;
            type Error = <$aggregate as $crate::aggregate::Decide>::Error;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _services: &Self::Services,
                sink: &::cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                for event in $crate::aggregate::Decide::decide(self, command)? {
                    sink.write(event, self).await;
                }
                Ok(())
            }

            fn apply(&mut self, event: Self::Event) {
                $crate::aggregate::Decide::evolve(self, event);
            }
        }
    };
}

pub(crate) use aggregate;
