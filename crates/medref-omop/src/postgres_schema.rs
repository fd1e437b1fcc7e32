//! A CDM in a PostgreSQL schema, the way most OHDSI sites hold one. A table is
//! streamed with `COPY (SELECT the needed columns) TO STDOUT (FORMAT csv,
//! HEADER)` into the same CSV row reader as a folder's files, so ids stay
//! 64-bit integers (`bigint` is written in decimal, never through a float) and
//! dates parse by the same rule (`DateStyle` is set to ISO for the session).
//!
//! Credentials: the user and password come from `PGUSER` and `PGPASSWORD`, as
//! for `psql`. A connection string with a password in it is refused, and
//! [`PostgresSource`]'s description holds only host, port, database and
//! schema, so neither a config, an error, a log nor a model card can carry one.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, Config, NoTls};

use crate::error::OmopError;
use crate::postgres_tls::{TlsChoice, VerifyingTls};
use crate::table_rows::{scan_csv, IdFilter, Row, MAX_IDS_IN_QUERY};
use crate::IdSet;

/// An open connection to one schema; clones share the connection, which serves one scan at a time.
#[derive(Clone)]
pub(crate) struct PostgresSource {
    client: Arc<Mutex<Client>>,
    /// `postgresql://host:port/database`, without user or password.
    address: String,
    /// The schema's name as the database spells it.
    schema: String,
    /// Whether the connection is encrypted with the server verified, for the record.
    verified_tls: bool,
}

impl fmt::Debug for PostgresSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresSource({self})")
    }
}

impl fmt::Display for PostgresSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tls = if self.verified_tls { " (TLS, server verified)" } else { "" };
        write!(f, "PostgreSQL {}{tls}, schema {}", self.address, self.schema)
    }
}

/// `"name"` with embedded quotes doubled: an identifier PostgreSQL reads verbatim, whatever it holds.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Host, port and database of a parsed connection string, for messages.
fn address_of(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            };
            let port = config.get_ports().get(i).or(config.get_ports().first()).copied().unwrap_or(5432);
            format!("{name}:{port}")
        })
        .collect();
    format!("postgresql://{}/{}", hosts.join(","), config.get_dbname().unwrap_or(""))
}

fn database_error(location: &str, e: &postgres::Error) -> OmopError {
    let message = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            // postgres' Display stops at "error connecting to server"; the cause says why.
            let mut message = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                message = format!("{message}: {c}");
                cause = c.source();
            }
            message
        }
    };
    OmopError::Database { location: location.to_string(), message }
}

impl PostgresSource {
    /// Connects to `connection` with `PGUSER`/`PGPASSWORD` and finds `schema`.
    pub(crate) fn connect(connection: &str, schema: &str) -> Result<Self, OmopError> {
        let refuse = |message: String| OmopError::Database { location: "PostgreSQL".into(), message };
        // postgres' own parse error could quote the string, so it is not passed on.
        let (connection, tls) = crate::postgres_tls::split_tls_options(connection).map_err(refuse)?;
        let mut config = Config::from_str(&connection).map_err(|_| {
            refuse("the connection is not a PostgreSQL connection string (postgresql://host:port/database)".into())
        })?;
        let address = address_of(&config);
        if config.get_password().is_some() {
            return Err(OmopError::Database {
                location: address,
                message: "the connection string holds a password; remove it and set PGPASSWORD instead, \
                          so that no config or run directory records it"
                    .into(),
            });
        }
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER").or_else(|_| std::env::var("USER")).map_err(|_| OmopError::Database {
                location: address.clone(),
                message: "no database user: set PGUSER".into(),
            })?;
            config.user(&user);
        }
        if let Ok(password) = std::env::var("PGPASSWORD") {
            config.password(password);
        }
        config.application_name("medref").connect_timeout(Duration::from_secs(30));
        let mut client = match &tls {
            TlsChoice::Plain => config.connect(NoTls),
            TlsChoice::Verified { root_file } => {
                let connector = VerifyingTls::new(root_file.as_deref())
                    .map_err(|message| OmopError::Database { location: address.clone(), message })?;
                config.connect(connector)
            }
        }
        .map_err(|e| database_error(&address, &e))?;
        client.batch_execute("SET DateStyle TO ISO, YMD").map_err(|e| database_error(&address, &e))?;
        let found = client
            .query(
                "SELECT nspname::text FROM pg_catalog.pg_namespace WHERE lower(nspname) = lower($1) \
                 ORDER BY nspname = $1 DESC LIMIT 1",
                &[&schema],
            )
            .map_err(|e| database_error(&address, &e))?;
        let Some(row) = found.first() else {
            return Err(OmopError::Database { location: address, message: format!("schema `{schema}` not found") });
        };
        let schema: String = row.get(0);
        let verified_tls = tls != TlsChoice::Plain;
        Ok(Self { client: Arc::new(Mutex::new(client)), address, schema, verified_tls })
    }

    fn client(&self) -> Result<std::sync::MutexGuard<'_, Client>, OmopError> {
        self.client.lock().map_err(|_| OmopError::Database {
            location: self.to_string(),
            message: "the connection was left broken by an earlier failure".into(),
        })
    }

    /// The table's name as the database spells it and its columns in order
    /// with their types (`bigint`, `text`, ...); no columns when the table is absent.
    pub(crate) fn columns_of(&self, table: &str) -> Result<(String, Vec<(String, String)>), OmopError> {
        let rows = self
            .client()?
            .query(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = $1 AND lower(table_name) = lower($2) \
                 ORDER BY table_name = $2 DESC, table_name, ordinal_position",
                &[&self.schema, &table],
            )
            .map_err(|e| database_error(&self.to_string(), &e))?;
        let Some(first) = rows.first() else { return Ok((table.to_string(), Vec::new())) };
        let name: String = first.get(0);
        let columns = rows.iter().filter(|r| r.get::<_, String>(0) == name).map(|r| (r.get(1), r.get(2))).collect();
        Ok((name, columns))
    }

    /// Streams `columns` of `table` through the CSV row reader; `filter`, when
    /// given and its column is an integer column, becomes the query's `WHERE`
    /// (`visit` is expected to apply it as well: this only spares the transfer).
    pub(crate) fn scan(
        &self,
        table: &str,
        columns: &[&str],
        purpose: &str,
        filter: Option<IdFilter<'_>>,
        visit: impl FnMut(&Row) -> Result<(), OmopError>,
    ) -> Result<(), OmopError> {
        let (name, present) = self.columns_of(table)?;
        let qualified = format!("{}.{}", self.schema, name);
        if present.is_empty() {
            return Err(OmopError::TableMissing {
                table: table.to_string(),
                location: self.to_string(),
                looked_for: qualified,
                purpose: purpose.to_string(),
            });
        }
        let mut selected = Vec::with_capacity(columns.len());
        for column in columns {
            let found = present.iter().find(|(p, _)| p.eq_ignore_ascii_case(column)).ok_or_else(|| {
                OmopError::ColumnMissing {
                    file: qualified.clone(),
                    column: column.to_string(),
                    purpose: purpose.to_string(),
                }
            })?;
            selected.push(found);
        }
        let mut client = self.client()?;
        let condition = filter.and_then(|f| {
            let (column, data_type) = selected[f.column];
            let integer = matches!(data_type.as_str(), "bigint" | "integer" | "smallint");
            if !integer || f.ids.is_empty() {
                return None;
            }
            let column = quote_identifier(column);
            if f.ids.len() <= MAX_IDS_IN_QUERY {
                // Integers printed by Rust: nothing in them can leave the list.
                let mut ids: Vec<i64> = f.ids.iter().copied().collect();
                ids.sort_unstable();
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                Some(format!(" WHERE {column} IN ({})", list.join(", ")))
            } else {
                load_id_table(&mut client, f.ids)
                    .then(|| format!(" WHERE {column} IN (SELECT id FROM pg_temp.{ID_TABLE})"))
            }
        });
        let query = format!(
            "COPY (SELECT {} FROM {}.{}{}) TO STDOUT (FORMAT csv, HEADER)",
            selected.iter().map(|(c, _)| quote_identifier(c)).collect::<Vec<_>>().join(", "),
            quote_identifier(&self.schema),
            quote_identifier(&name),
            condition.unwrap_or_default()
        );
        let reader = client.copy_out(&query).map_err(|e| database_error(&qualified, &e))?;
        scan_csv(reader, &qualified, "row", columns, purpose, visit)
    }
}

/// The session's temporary table of filter ids (gone when the connection closes).
const ID_TABLE: &str = "medref_filter_ids";

/// Fills the temporary id table with `ids`; false when the database refuses
/// (a read-only standby cannot create temporary tables), and the scan then
/// filters on our side only.
fn load_id_table(client: &mut Client, ids: &IdSet) -> bool {
    use std::fmt::Write as _;
    use std::io::Write as _;
    let setup =
        format!("DROP TABLE IF EXISTS pg_temp.{ID_TABLE}; CREATE TEMP TABLE {ID_TABLE} (id bigint PRIMARY KEY)");
    if client.batch_execute(&setup).is_err() {
        return false;
    }
    let mut text = String::with_capacity(ids.len() * 12);
    for id in ids {
        let _ = writeln!(text, "{id}");
    }
    let Ok(mut writer) = client.copy_in(&format!("COPY pg_temp.{ID_TABLE} FROM STDIN")) else { return false };
    if writer.write_all(text.as_bytes()).is_err() || writer.finish().is_err() {
        return false;
    }
    client.batch_execute(&format!("ANALYZE pg_temp.{ID_TABLE}")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_whatever_they_hold() {
        assert_eq!(quote_identifier("person"), "\"person\"");
        assert_eq!(quote_identifier("a\"; DROP TABLE person; --"), "\"a\"\"; DROP TABLE person; --\"");
    }

    #[test]
    fn a_password_in_the_connection_string_is_refused_without_echoing_it() {
        for connection in ["postgresql://alice:s3cret@127.0.0.1:5432/cdm", "host=127.0.0.1 password=s3cret dbname=cdm"]
        {
            let err = PostgresSource::connect(connection, "cdm").unwrap_err();
            let message = err.to_string();
            assert!(message.contains("PGPASSWORD"), "{message}");
            assert!(!message.contains("s3cret") && !message.contains("alice"), "{message}");
        }
    }

    #[test]
    fn the_address_names_host_port_and_database_only() {
        let config = Config::from_str("postgresql://alice@db.example:6543/omop").unwrap();
        assert_eq!(address_of(&config), "postgresql://db.example:6543/omop");
        let config = Config::from_str("postgresql://127.0.0.1/omop").unwrap();
        assert_eq!(address_of(&config), "postgresql://127.0.0.1:5432/omop");
    }

    #[test]
    fn a_malformed_connection_string_is_refused_without_quoting_it() {
        let err = PostgresSource::connect("postgresql://[::1", "cdm").unwrap_err();
        assert!(!err.to_string().contains("[::1"), "{err}");
    }
}
