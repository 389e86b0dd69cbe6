//! Where the store lives: a SQLite file or a PostgreSQL database (`--db`, `DATABASE_URL`).

use std::path::{Path, PathBuf};

/// A database: a SQLite file, or a PostgreSQL connection URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created if absent).
    Sqlite(PathBuf),
    /// A PostgreSQL URL, `postgres://user@host/dbname` (or `postgresql://`).
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL is PostgreSQL; anything else is a SQLite path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres(text.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(text))
        }
    }
}

impl std::fmt::Display for Location {
    /// The path, or the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => path.display().fmt(f),
            Self::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `url` with the password of its user part (`user:secret@`) blanked out.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Self::Sqlite(path.clone())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Self {
        location.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_the_rest_are_files() {
        assert_eq!(
            Location::parse("postgres://chat@db/chinwag"),
            Location::Postgres("postgres://chat@db/chinwag".into())
        );
        assert!(matches!(
            Location::parse("postgresql://db/x"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("chat.sqlite3"),
            Location::Sqlite("chat.sqlite3".into())
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        let location = Location::parse("postgres://chat:s3cret@db:5432/chinwag");
        assert_eq!(location.to_string(), "postgres://chat:***@db:5432/chinwag");
        let location = Location::parse("postgres://chat@db/chinwag");
        assert_eq!(location.to_string(), "postgres://chat@db/chinwag");
    }
}
