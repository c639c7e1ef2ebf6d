//! The organiser's switch of an event's waiting lists.

use carneau_domain::event::EventCommand;
use carneau_domain::ids::EventId;
use tracing::instrument;

use super::{Catalogue, CatalogueResult};
use crate::context::CommandContext;

impl Catalogue {
    /// Opens or closes the event's waiting lists. Closed, nobody joins and the people
    /// waiting keep their place but claim no ticket, so the tickets that come back are on
    /// sale to everyone; opened again, they claim them again. Switching to where it is
    /// records nothing.
    #[instrument(skip_all, fields(event_id = %event_id, open))]
    pub async fn switch_waiting_list(
        &self,
        event_id: EventId,
        open: bool,
        context: &CommandContext,
    ) -> CatalogueResult {
        let command = EventCommand::SwitchWaitingList { open };
        self.execute(event_id, command, None, context).await
    }
}
