//! Where this chapter's sessions live: the three stores that `--store`
//! chooses from, behind one type, [`Store`]; and the race lab's second cart,
//! which is kept *beside* the session record, keyed by the session id, and
//! changed with one atomic operation of the store.
//!
//! `Store` is a tower-sessions `SessionStore` itself: each of the trait's
//! four methods (create, save, load, delete) passes the call on to the store
//! chosen at start-up. The session layer, the wire inspector and the handlers
//! see one type, whichever store it is.

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use async_trait::async_trait;
use course_kit::{CliOption, OptionValue, sessions::SessionStore as MemoryStore};
use time::OffsetDateTime;
use tokio_rusqlite::{Connection, params};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
};
use tower_sessions_rusqlite_store::RusqliteStore;

use crate::redis_store::{self, RedisStore};

// The command-line options that choose the store (`lib.rs` reads them).

pub const STORE: CliOption = CliOption {
    name: "--store",
    value: OptionValue::OneOf {
        values: &["sqlite", "redis", "memory"],
        default: "sqlite",
    },
    help: "where the sessions live: a SQLite file, a Redis server, or this process's memory",
};

/// In `target/`, which git ignores and `cargo clean` empties.
pub const SQLITE: CliOption = CliOption {
    name: "--sqlite",
    value: OptionValue::Text {
        placeholder: "PATH",
        default: Some("target/chapter-11-sessions.sqlite3"),
    },
    help: "the SQLite file (with --store sqlite); instances given the same file share their sessions",
};

/// Redis's own port; `just redis` starts a server there.
pub const REDIS_URL: CliOption = CliOption {
    name: "--redis-url",
    value: OptionValue::Text {
        placeholder: "URL",
        default: Some("redis://127.0.0.1:6379"),
    },
    help: "the Redis server (with --store redis); `just redis` starts one",
};

/// The sessions of this chapter, in the store `--store` chose.
#[derive(Clone, Debug)]
pub enum Store {
    /// A file on disk (`--sqlite PATH`), which any number of instances can
    /// open at once.
    Sqlite {
        sessions: RusqliteStore,
        /// The same database, for the cart kept beside the records.
        database: Connection,
        path: String,
    },
    /// A Redis server (`--redis-url URL`), which every instance connects to.
    Redis(RedisStore),
    /// This process's memory: the kit's store of chapters 5 to 7.
    Memory {
        sessions: MemoryStore,
        table_carts: Arc<Mutex<HashMap<Id, TableCart>>>,
    },
}

/// A cart kept beside the session records in memory, and when it goes.
#[derive(Debug, Clone)]
pub struct TableCart {
    lines: Vec<(String, u64)>,
    expires: OffsetDateTime,
}

/// What the store holds for one session id, expired or not: the tests use
/// it to watch a store delete an expired session by itself.
#[derive(Debug, PartialEq)]
pub struct Held {
    pub record: bool,
    pub table_cart: bool,
}

// ANCHOR: sqlite
/// The cart kept beside the records: one row per session and item. A row
/// belongs to its session's row in `tower_sessions`, and goes with it:
/// `ON DELETE CASCADE`, so the store's own deletion of expired sessions
/// deletes their carts too.
const CART_TABLE: &str = "
    CREATE TABLE IF NOT EXISTS cart_lines (
        session_id TEXT NOT NULL REFERENCES tower_sessions (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (session_id, name)
    )";

impl Store {
    /// Opens (or creates) the SQLite file, and starts the task that deletes
    /// expired sessions every `sweep_every` (the tests look into a file
    /// without one: `None`).
    pub async fn sqlite(
        path: &str,
        sweep_every: Option<std::time::Duration>,
    ) -> Result<Self, String> {
        let cannot = |e: &dyn std::fmt::Display| format!("cannot use the SQLite file {path}: {e}");
        if let Some(folder) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|e| cannot(&e))?;
        }
        let database = Connection::open(path).await.map_err(|e| cannot(&e))?;
        // WAL: readers do not wait for a writer. A writer that finds the file
        // busy (another instance is writing) waits up to 5 s. Foreign keys
        // are off in SQLite unless asked for, on every connection.
        database
            .call(|db| {
                db.execute_batch(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
            })
            .await
            .map_err(|e| cannot(&e))?;
        let sessions = RusqliteStore::new(database.clone());
        sessions.migrate().await.map_err(|e| cannot(&e))?;
        database
            .call(|db| db.execute_batch(CART_TABLE))
            .await
            .map_err(|e| cannot(&e))?;
        // tower-sessions' own sweeper: `DELETE … WHERE expiry_date < now`,
        // every `sweep_every`, for as long as the server runs.
        if let Some(period) = sweep_every {
            tokio::spawn(sessions.clone().continuously_delete_expired(period));
        }
        Ok(Store::Sqlite {
            sessions,
            database,
            path: path.to_string(),
        })
    }
    // ANCHOR_END: sqlite

    pub async fn redis(url: &str) -> Result<Self, String> {
        Ok(Store::Redis(RedisStore::connect(url).await?))
    }

    pub fn memory() -> Self {
        Store::Memory {
            sessions: MemoryStore::default(),
            table_carts: Arc::default(),
        }
    }

    /// One word for the store: `sqlite`, `redis` or `memory`.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "sqlite",
            Store::Redis(_) => "redis",
            Store::Memory { .. } => "memory",
        }
    }

    /// Where the sessions are, in words: the file or the server.
    pub fn location(&self) -> String {
        match self {
            Store::Sqlite { path, .. } => format!("SQLite, in the file {path}"),
            Store::Redis(redis) => format!("Redis, at {}", redis.url),
            Store::Memory { .. } => "this instance's memory".to_string(),
        }
    }

    // ANCHOR: add_atomically
    /// Adds `quantity` of `name` to the cart kept beside the session record,
    /// and returns how many the cart holds now. The store reads the old
    /// quantity and writes the new one in **one operation**: no other
    /// request, on this instance or another, can come in between. The cart
    /// goes when its session goes, at `expires` at the latest.
    pub async fn add_to_table_cart(
        &self,
        id: Id,
        name: &str,
        quantity: u32,
        expires: OffsetDateTime,
    ) -> session_store::Result<u64> {
        match self {
            Store::Sqlite { database, .. } => {
                let (id, name) = (id.to_string(), name.to_string());
                let held: i64 = database
                    .call(move |db| {
                        db.query_row(
                            "INSERT INTO cart_lines (session_id, name, quantity) VALUES (?1, ?2, ?3)
                             ON CONFLICT (session_id, name)
                             DO UPDATE SET quantity = quantity + excluded.quantity
                             RETURNING quantity",
                            params![id, name, quantity],
                            |row| row.get(0),
                        )
                    })
                    .await
                    .map_err(sqlite_failed)?;
                Ok(u64::try_from(held).unwrap_or(0))
            }
            // MULTI … EXEC: the two commands run together. The hash expires
            // with the session (`save` pushes both further).
            Store::Redis(redis) => {
                let key = redis_store::cart_key(&id);
                let (held,): (u64,) = redis::pipe()
                    .atomic()
                    .cmd("HINCRBY")
                    .arg(&key)
                    .arg(name)
                    .arg(quantity)
                    .cmd("PEXPIREAT")
                    .arg(&key)
                    .arg(i64::try_from(expires.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
                    .ignore()
                    .query_async(&mut redis.connection.clone())
                    .await
                    .map_err(redis_store::backend)?;
                Ok(held)
            }
            // One lock around the read and the write: the same idea, and
            // enough inside one process.
            Store::Memory { table_carts, .. } => {
                let mut carts = lock(table_carts);
                let now = OffsetDateTime::now_utc();
                carts.retain(|_, cart| cart.expires > now);
                let cart = carts.entry(id).or_insert_with(|| TableCart {
                    lines: Vec::new(),
                    expires,
                });
                let line = match cart.lines.iter().position(|(held, _)| held == name) {
                    Some(line) => line,
                    None => {
                        cart.lines.push((name.to_string(), 0));
                        cart.lines.len() - 1
                    }
                };
                let held = &mut cart.lines[line].1;
                *held = held.saturating_add(u64::from(quantity));
                Ok(*held)
            }
        }
    }
    // ANCHOR_END: add_atomically

    /// The cart kept beside the session record: each item and its quantity.
    pub async fn table_cart(&self, id: Id) -> session_store::Result<Vec<(String, u64)>> {
        match self {
            Store::Sqlite { database, .. } => {
                let id = id.to_string();
                database
                    .call(move |db| {
                        let mut lines = db.prepare(
                            "SELECT name, quantity FROM cart_lines WHERE session_id = ?1 ORDER BY rowid",
                        )?;
                        let lines = lines.query_map(params![id], |row| {
                            Ok((row.get(0)?, u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0)))
                        })?;
                        lines.collect::<Result<Vec<_>, _>>()
                    })
                    .await
                    .map_err(sqlite_failed)
            }
            Store::Redis(redis) => {
                let mut lines: Vec<(String, u64)> = redis::cmd("HGETALL")
                    .arg(redis_store::cart_key(&id))
                    .query_async(&mut redis.connection.clone())
                    .await
                    .map_err(redis_store::backend)?;
                // A hash has no order; the items are shown by name.
                lines.sort();
                Ok(lines)
            }
            Store::Memory { table_carts, .. } => Ok(lock(table_carts)
                .get(&id)
                .filter(|cart| cart.expires > OffsetDateTime::now_utc())
                .map(|cart| cart.lines.clone())
                .unwrap_or_default()),
        }
    }

    /// What the store holds for the session id `id`, expired or not (see
    /// [`Held`]). Text that is not a session id names nothing.
    pub async fn held(&self, id: &str) -> session_store::Result<Held> {
        let Ok(id) = id.parse::<Id>() else {
            return Ok(Held {
                record: false,
                table_cart: false,
            });
        };
        match self {
            Store::Sqlite { database, .. } => {
                let id = id.to_string();
                database
                    .call(move |db| {
                        let exists = |sql: &str| db.query_row(sql, params![id], |row| row.get(0));
                        Ok(Held {
                            record: exists(
                                "SELECT EXISTS (SELECT 1 FROM tower_sessions WHERE id = ?1)",
                            )?,
                            table_cart: exists(
                                "SELECT EXISTS (SELECT 1 FROM cart_lines WHERE session_id = ?1)",
                            )?,
                        })
                    })
                    .await
                    .map_err(sqlite_failed)
            }
            Store::Redis(redis) => {
                let (record, table_cart): (bool, bool) = redis::pipe()
                    .cmd("EXISTS")
                    .arg(redis_store::record_key(&id))
                    .cmd("EXISTS")
                    .arg(redis_store::cart_key(&id))
                    .query_async(&mut redis.connection.clone())
                    .await
                    .map_err(redis_store::backend)?;
                Ok(Held { record, table_cart })
            }
            Store::Memory {
                sessions,
                table_carts,
            } => Ok(Held {
                record: sessions.load(&id).await?.is_some(),
                table_cart: lock(table_carts).contains_key(&id),
            }),
        }
    }
}

fn sqlite_failed(error: tokio_rusqlite::Error) -> session_store::Error {
    session_store::Error::Backend(format!("SQLite: {error}"))
}

/// The memory store's carts, locked. Every change is one map operation, so a
/// thread that panicked while holding the lock left nothing half-written.
fn lock(carts: &Mutex<HashMap<Id, TableCart>>) -> MutexGuard<'_, HashMap<Id, TableCart>> {
    carts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How often a new session is tried in SQLite before the error is shown.
const CREATE_TRIES: u64 = 5;

/// Each method passes the call on to the store chosen at start-up.
#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            // The rusqlite store keeps the id it is given, unless a row
            // already has it. (The id comes from the kit, so that the
            // screenshots can ask for predictable ones.) Its `create` reads
            // (is the id taken?) before it writes, in one transaction, and
            // when another instance writes in between, SQLite refuses that
            // transaction at once ("database is locked") rather than make
            // it wait. A new try, a moment later, starts afresh.
            Store::Sqlite { sessions, .. } => {
                let mut tries = 1;
                loop {
                    record.id = course_kit::lab::new_session_id();
                    match sessions.create(record).await {
                        Err(session_store::Error::Backend(_)) if tries < CREATE_TRIES => {
                            tokio::time::sleep(std::time::Duration::from_millis(5 * tries)).await;
                            tries += 1;
                        }
                        created => return created,
                    }
                }
            }
            Store::Redis(redis) => redis.create(record).await,
            Store::Memory { sessions, .. } => sessions.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Store::Sqlite { sessions, .. } => sessions.save(record).await,
            Store::Redis(redis) => redis.save(record).await,
            Store::Memory {
                sessions,
                table_carts,
            } => {
                // The cart beside the record lives as long as the record.
                if let Some(cart) = lock(table_carts).get_mut(&record.id) {
                    cart.expires = record.expiry_date;
                }
                sessions.save(record).await
            }
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Store::Sqlite { sessions, .. } => sessions.load(id).await,
            Store::Redis(redis) => redis.load(id).await,
            Store::Memory { sessions, .. } => sessions.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Store::Sqlite { sessions, .. } => sessions.delete(id).await,
            Store::Redis(redis) => redis.delete(id).await,
            Store::Memory {
                sessions,
                table_carts,
            } => {
                lock(table_carts).remove(id);
                sessions.delete(id).await
            }
        }
    }
}
