//! A tower-sessions store in Redis, written out: the four methods of the
//! `SessionStore` trait, each one or two Redis commands.
//!
//! tower-sessions has a Redis store of its own, `tower-sessions-redis-store`,
//! but no version of it is written for tower-sessions 0.15 (its 0.16 is for
//! 0.14, whose trait is a different type). So the chapter writes one, and it
//! is short: a session is one Redis *string* under the key `session:ID`,
//! holding the record's data as JSON, with a time to live (TTL) that Redis
//! counts down itself. When the TTL runs out, Redis deletes the key: expired
//! sessions need no sweeping task, as they do in SQLite.
//!
//! You can look at it with `redis-cli`, while the chapter runs:
//!
//! ```text
//! $ redis-cli keys '*'
//! 1) "session:Hd2Gr0h7D7V4JtpTuOo1RA"
//! $ redis-cli get session:Hd2Gr0h7D7V4JtpTuOo1RA
//! "{\"_csrf_token\":\"…\",\"cart\":[{\"name\":\"apple\",\"quantity\":2}]}"
//! $ redis-cli ttl session:Hd2Gr0h7D7V4JtpTuOo1RA
//! (integer) 297
//! ```
//!
//! The lab's other cart, the one kept outside the record, is a Redis *hash*
//! under `cart:ID`, with the same TTL (see `store.rs`).

use std::fmt;

use async_trait::async_trait;
use redis::{
    Client, RedisError,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};

/// The key of a session's record.
pub fn record_key(id: &Id) -> String {
    format!("session:{id}")
}

/// The key of the hash that holds a session's cart outside the record.
pub fn cart_key(id: &Id) -> String {
    format!("cart:{id}")
}

/// Sessions in Redis. Cloning it is cheap: every clone shares one connection,
/// which sends the commands of concurrent requests one after the other.
#[derive(Clone)]
pub struct RedisStore {
    pub(crate) connection: ConnectionManager,
    pub url: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .finish()
    }
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://127.0.0.1:6379`), and
    /// fails with one line that says what to do if nobody answers there.
    pub async fn connect(url: &str) -> Result<Self, String> {
        let client = Client::open(url).map_err(|e| format!("'{url}' is not a Redis URL: {e}"))?;
        // Try once, for two seconds: a Redis that is not running is a
        // mistake to report at once, not to wait for.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(std::time::Duration::from_secs(2)));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| {
                format!(
                    "no Redis answers at {url} ({e}). Start one in another terminal with \
                     `just redis` (Debian: apt-get install redis-server), or choose another \
                     store: --store sqlite"
                )
            })?;
        Ok(Self {
            connection,
            url: url.to_string(),
        })
    }
}

/// The milliseconds from now until `expiry_date`, if it is in the future.
fn milliseconds_left(expiry_date: OffsetDateTime) -> Option<u64> {
    let left = (expiry_date - OffsetDateTime::now_utc()).whole_milliseconds();
    u64::try_from(left).ok().filter(|&ms| ms > 0)
}

/// A Redis error, as the session layer reports a store's failure.
pub(crate) fn backend(error: RedisError) -> session_store::Error {
    session_store::Error::Backend(format!("Redis: {error}"))
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

// ANCHOR: redis_store
#[async_trait]
impl SessionStore for RedisStore {
    /// A new session: a fresh random id, stored only if no key has it yet
    /// (`NX`), so that two instances can never hand out the same id.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let Some(ttl) = milliseconds_left(record.expiry_date) else {
            return Ok(());
        };
        let json = encode(record)?;
        loop {
            record.id = course_kit::lab::new_session_id();
            let stored: Option<String> = redis::cmd("SET")
                .arg(record_key(&record.id))
                .arg(&json)
                .arg("PX")
                .arg(ttl)
                .arg("NX")
                .query_async(&mut self.connection.clone())
                .await
                .map_err(backend)?;
            if stored.is_some() {
                return Ok(());
            }
        }
    }

    /// The whole record, written over whatever the key held: `SET` with a
    /// new time to live. The cart kept beside the record gets the same one.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let Some(ttl) = milliseconds_left(record.expiry_date) else {
            return self.delete(&record.id).await;
        };
        redis::pipe()
            .cmd("SET")
            .arg(record_key(&record.id))
            .arg(encode(record)?)
            .arg("PX")
            .arg(ttl)
            .ignore()
            .cmd("PEXPIRE")
            .arg(cart_key(&record.id))
            .arg(ttl)
            .ignore()
            .query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(backend)
    }

    /// The record and its time to live. An expired key is already gone:
    /// Redis deleted it.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let (json, ttl): (Option<String>, i64) = redis::pipe()
            .cmd("GET")
            .arg(record_key(id))
            .cmd("PTTL")
            .arg(record_key(id))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(backend)?;
        let Some(json) = json else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&json).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: OffsetDateTime::now_utc() + time::Duration::milliseconds(ttl.max(0)),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        redis::cmd("DEL")
            .arg(record_key(id))
            .arg(cart_key(id))
            .query_async::<()>(&mut self.connection.clone())
            .await
            .map_err(backend)
    }
}
// ANCHOR_END: redis_store

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_session() {
        let id = Id(1);
        assert_eq!(record_key(&id), "session:AQAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(cart_key(&id), "cart:AQAAAAAAAAAAAAAAAAAAAA");
    }

    #[test]
    fn only_a_future_expiry_has_time_left() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(milliseconds_left(now - time::Duration::seconds(1)), None);
        let left = milliseconds_left(now + time::Duration::seconds(10)).unwrap();
        assert!((9_000..=10_000).contains(&left), "{left}");
    }
}
