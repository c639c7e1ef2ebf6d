//! A batch written as one statement: the read model's writes as data-modifying common
//! table expressions, to which the runner adds its lock and its checkpoint's move.
//!
//! A batch in a transaction of its own is eight round trips (the page, `BEGIN`, the lock,
//! the writes, the checkpoint, `COMMIT`), and during a rush each can wait tens of
//! milliseconds for a core while PostgreSQL's own work is a few (docs/benchmarks.md,
//! "Where the `inventory` read model's time goes in a paying rush"). As one statement,
//! the batch is its page and one round trip, committed by itself.

use sqlx::{PgConnection, Postgres, QueryBuilder};

/// The writes of one batch, each a data-modifying statement named for the others to read
/// (`WITH placed AS (INSERT ...), moved AS (UPDATE ...) ...`). The parts of one statement
/// share one snapshot and do not see each other's rows: a projector writes each row once.
pub struct BatchStatement {
    query: QueryBuilder<'static, Postgres>,
    writes: usize,
}

impl Default for BatchStatement {
    fn default() -> Self {
        Self {
            query: QueryBuilder::new("WITH "),
            writes: 0,
        }
    }
}

impl BatchStatement {
    /// Adds the part `name` (a name, with its columns if it declares them): `build` pushes
    /// its statement, binding what it needs.
    pub fn part(&mut self, name: &str, build: impl FnOnce(&mut QueryBuilder<'static, Postgres>)) {
        if self.writes > 0 {
            self.query.push(", ");
        }
        self.query.push(name).push(" AS (");
        build(&mut self.query);
        self.query.push(")");
        self.writes += 1;
    }

    /// Whether no part was added: nothing to write.
    pub fn is_empty(&self) -> bool {
        self.writes == 0
    }

    /// Runs the parts on `conn` (inside the caller's transaction), without the runner's
    /// lock and checkpoint: a projector's own multi-statement path.
    pub async fn execute(mut self, conn: &mut PgConnection) -> sqlx::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        self.query.push(" SELECT 1");
        self.query.build().execute(conn).await?;
        Ok(())
    }

    /// The parts so far, for the runner to finish with its own statement.
    pub(super) fn into_query(self) -> QueryBuilder<'static, Postgres> {
        self.query
    }
}
