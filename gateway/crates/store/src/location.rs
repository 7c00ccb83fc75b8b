//! Store URLs: `sqlite://PATH` or `postgres://...[?schema=NAME]`.
//!
//! The `schema` query parameter is ours, not libpq's: it is removed before the
//! rest is handed to the PostgreSQL driver, and the store then works in that
//! schema (created at open) through the connection's `search_path`.

use std::path::PathBuf;

use crate::error::StoreError;

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, optionally one schema in it.
    Postgres {
        /// The URL without our `schema` parameter.
        url: String,
        /// The schema to work in, `None` for the server's default path.
        schema: Option<String>,
    },
}

// === impl Location ===

impl Location {
    /// Reads a store URL.
    ///
    /// # Errors
    /// [`StoreError::InvalidUrl`] for another scheme or an empty path,
    /// [`StoreError::InvalidSchema`] for a schema name that is not a plain identifier.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(invalid("sqlite url has no path"));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }

        let is_postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !is_postgres {
            return Err(invalid("expected sqlite://PATH or postgres://..."));
        }
        let (url, schema) = split_schema(url);
        if let Some(name) = &schema {
            check_schema_name(name)?;
        }
        Ok(Location::Postgres { url, schema })
    }
}

/// Checks that `name` can be written into SQL as an identifier unquoted.
///
/// # Errors
/// [`StoreError::InvalidSchema`] unless it matches `[a-z_][a-z0-9_]{0,62}`.
pub fn check_schema_name(name: &str) -> Result<(), StoreError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && name.len() <= 63 {
        Ok(())
    } else {
        Err(StoreError::InvalidSchema {
            name: name.to_owned(),
        })
    }
}

fn invalid(reason: &str) -> StoreError {
    StoreError::InvalidUrl {
        reason: reason.to_owned(),
    }
}

/// Removes `schema=NAME` from the query string, returning the rest and NAME.
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut schema = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_owned()),
            None => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sqlite_url_gives_path() {
        let location = Location::parse("sqlite:///var/lib/smevgate/node.db").unwrap();
        assert_eq!(
            location,
            Location::Sqlite(PathBuf::from("/var/lib/smevgate/node.db"))
        );
        let relative = Location::parse("sqlite://data/node.db").unwrap();
        assert_eq!(relative, Location::Sqlite(PathBuf::from("data/node.db")));
    }

    #[test]
    fn parse_postgres_url_with_schema_strips_parameter() {
        let url = "postgres://postgres@127.0.0.1:5432/test?connect_timeout=5&schema=node_a";
        let location = Location::parse(url).unwrap();
        let expected = Location::Postgres {
            url: "postgres://postgres@127.0.0.1:5432/test?connect_timeout=5".into(),
            schema: Some("node_a".into()),
        };
        assert_eq!(location, expected);
    }

    #[test]
    fn parse_postgres_url_without_schema_keeps_url() {
        let url = "postgresql://u@h/db";
        let expected = Location::Postgres {
            url: url.into(),
            schema: None,
        };
        assert_eq!(Location::parse(url).unwrap(), expected);
    }

    #[test]
    fn parse_bad_urls_are_refused() {
        assert!(matches!(
            Location::parse("mysql://x"),
            Err(StoreError::InvalidUrl { .. })
        ));
        assert!(matches!(
            Location::parse("sqlite://"),
            Err(StoreError::InvalidUrl { .. })
        ));
        let injected = Location::parse("postgres://h/db?schema=a;drop");
        assert!(matches!(injected, Err(StoreError::InvalidSchema { .. })));
    }

    #[test]
    fn check_schema_name_refuses_quotes_case_and_length() {
        assert!(check_schema_name("t_01").is_ok());
        assert!(check_schema_name("Upper").is_err());
        assert!(check_schema_name("1abc").is_err());
        assert!(check_schema_name("a\"b").is_err());
        assert!(check_schema_name(&"a".repeat(64)).is_err());
        assert!(check_schema_name("").is_err());
    }
}
