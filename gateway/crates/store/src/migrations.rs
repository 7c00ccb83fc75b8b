//! Versioned schema migrations, embedded in the binary.
//!
//! Each backend has its own list, applied in version order at open and
//! recorded in the `store_migrations` table. A migration is never edited
//! once released: add a new file with the next version instead.

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Version, increasing from 1 without gaps.
    pub version: i64,
    /// File name, recorded next to the version.
    pub name: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

/// A backend's migration list: each file stem once, with its version; the
/// file name and the embedded path are derived from the stem.
macro_rules! migrations {
    ($folder:literal: $($version:literal => $stem:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: concat!($stem, ".sql"),
            sql: include_str!(concat!("../migrations/", $folder, "/", $stem, ".sql")),
        }),*]
    };
}

/// Migrations of the SQLite backend.
pub(crate) const SQLITE: &[Migration] = migrations!("sqlite":
    1 => "0001_queues_and_journal",
    2 => "0002_cabinet",
    3 => "0003_registry",
    4 => "0004_integration_requests",
    5 => "0005_api_clients",
    6 => "0006_integration_points",
    7 => "0007_integration_responses",
    8 => "0008_integration_payload_digest",
);

/// Migrations of the PostgreSQL backend.
pub(crate) const POSTGRES: &[Migration] = migrations!("postgres":
    1 => "0001_queues_and_journal",
    2 => "0002_cabinet",
    3 => "0003_registry",
    4 => "0004_integration_requests",
    5 => "0005_api_clients",
    6 => "0006_integration_points",
    7 => "0007_integration_responses",
    8 => "0008_integration_payload_digest",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in the folder is listed, in order, with its number as version.
    fn check_folder(folder: &str, listed: &[Migration]) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();

        let names: Vec<&str> = listed.iter().map(|m| m.name).collect();
        assert_eq!(names, files);
        for (index, migration) in listed.iter().enumerate() {
            let number: i64 = migration.name[..4].parse().unwrap();
            assert_eq!(migration.version, number);
            assert_eq!(migration.version, index as i64 + 1);
        }
    }

    #[test]
    fn sqlite_migrations_list_matches_folder() {
        check_folder("sqlite", SQLITE);
    }

    #[test]
    fn postgres_migrations_list_matches_folder() {
        check_folder("postgres", POSTGRES);
    }
}
