//! The SQL migrations of Carneau Engine, embedded in the binary so that `carneau migrate`
//! and start-up apply exactly the schema the code was built against.

/// Every migration under `migrations/sql`, in order.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./sql");
