//! What `wharf migrate` reports: the migrations a run applied and where the schema stands.

use std::collections::HashSet;
use std::fmt;

use sqlx::migrate::AppliedMigration;

use crate::Backend;

/// One schema migration (from `migrations/<backend>/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationName {
    pub version: i64,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    pub backend: Backend,
    /// Applied by this run, oldest first; empty when the schema was already current.
    pub applied_now: Vec<MigrationName>,
    /// The newest migration the database now has.
    pub current_version: Option<i64>,
}

impl MigrationReport {
    /// Compares the applied migrations before and after a run.
    pub(crate) fn new(
        backend: Backend,
        migrator: &sqlx::migrate::Migrator,
        before: &[AppliedMigration],
        after: &[AppliedMigration],
    ) -> Self {
        let before: HashSet<i64> = before.iter().map(|m| m.version).collect();
        let applied_now = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !before.contains(&m.version) && after.iter().any(|a| a.version == m.version))
            .map(|m| MigrationName { version: m.version, description: m.description.to_string() })
            .collect();
        MigrationReport { backend, applied_now, current_version: after.iter().map(|m| m.version).max() }
    }
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.applied_now[..], self.current_version) {
            ([], Some(version)) => {
                write!(f, "{} schema is current (version {version})", self.backend)
            }
            ([], None) => write!(f, "{} schema has no migrations", self.backend),
            (applied, version) => {
                write!(f, "{} schema migrated to version {}:", self.backend, version.unwrap_or_default())?;
                for m in applied {
                    write!(f, "\n  applied {} {}", m.version, m.description)?;
                }
                Ok(())
            }
        }
    }
}
