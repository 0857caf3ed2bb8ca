//! Where the session chapters keep their sessions: [`SessionStore`], a
//! store in the server's memory that stays small, and the
//! `--session-expiry` option that sets how long a session lives.
//!
//! tower-sessions' own `MemoryStore` keeps every record it is given forever
//! (it only refuses to load an expired one), so a script that sends a
//! hundred thousand requests without cookies makes a hundred thousand
//! records, and the server's memory only grows. This store differs in three
//! ways:
//!
//! - **Expired records are deleted.** Loading an expired record deletes it,
//!   and every [`SWEEP_EVERY`] a session is created, the store first sweeps
//!   out every record that has expired.
//! - **It holds at most [`MAX_SESSIONS`] sessions.** A new session at the cap
//!   pushes out the tenth of the sessions that would expire soonest: with an
//!   inactivity expiry, those whose visitors have been away longest.
//! - **An empty session gets no record.** A new session with nothing in it
//!   needs no record: it is stored only once it holds something. (A session
//!   that held something and was emptied keeps its record, as in
//!   tower-sessions: its visitor is still known.)

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
};

use crate::{CliOption, OptionValue, Settings, random};

/// The most sessions one chapter's server keeps. A class of thirty, each
/// with a few browsers, never comes near it; a script that floods the
/// server pushes out the oldest sessions instead of growing its memory.
pub const MAX_SESSIONS: usize = 10_000;

/// How often creating a session first sweeps out the expired ones.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The `--session-expiry SECONDS` option: how long a session lasts without a
/// request. The default is the notes' `request.session.set_expiry(300)`; a
/// teacher can show expiry in class with `--session-expiry 10`.
pub const SESSION_EXPIRY: CliOption = CliOption {
    name: "--session-expiry",
    value: OptionValue::Seconds { default: 300 },
    help: "end a session after this many seconds without a request",
};

/// The session lifetime the command line asked for.
pub fn expiry(settings: &Settings) -> Duration {
    let seconds = settings.seconds(SESSION_EXPIRY.name).as_secs();
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// The course's session store; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct SessionStore {
    records: Arc<Mutex<Records>>,
}

#[derive(Debug, Default)]
struct Records {
    by_id: HashMap<Id, Record>,
    last_sweep: Option<OffsetDateTime>,
}

impl SessionStore {
    /// How many sessions the store holds now, expired ones not yet swept
    /// out included.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records, locked. A thread that panicked while holding the lock
    /// cannot have left a record half-written (every change is one map
    /// operation), so the lock is used even then.
    fn lock(&self) -> MutexGuard<'_, Records> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Records {
    fn sweep(&mut self, now: OffsetDateTime) {
        self.by_id.retain(|_, record| record.expiry_date > now);
        self.last_sweep = Some(now);
    }

    /// Makes room for one more session.
    fn make_room(&mut self, now: OffsetDateTime) {
        let due = self.last_sweep.is_none_or(|last| now - last >= SWEEP_EVERY);
        if due || self.by_id.len() >= MAX_SESSIONS {
            self.sweep(now);
        }
        if self.by_id.len() >= MAX_SESSIONS {
            // A tenth at once, not one: finding the soonest to expire means
            // looking at every record, so it is done once per thousand new
            // sessions rather than for each.
            let mut by_expiry: Vec<(OffsetDateTime, Id)> = self
                .by_id
                .values()
                .map(|record| (record.expiry_date, record.id))
                .collect();
            let evicted = MAX_SESSIONS / 10;
            by_expiry.select_nth_unstable_by_key(evicted - 1, |(expiry, _)| *expiry);
            for (_, id) in &by_expiry[..evicted] {
                self.by_id.remove(id);
            }
        }
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    /// Stores a new session under a fresh id, never one already in use.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut records = self.lock();
        records.make_room(OffsetDateTime::now_utc());
        loop {
            record.id = Id(i128::from_le_bytes(random::bytes()));
            if !records.by_id.contains_key(&record.id) {
                break;
            }
        }
        if !record.data.is_empty() {
            records.by_id.insert(record.id, record.clone());
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut records = self.lock();
        if !records.by_id.contains_key(&record.id) {
            if record.data.is_empty() {
                return Ok(());
            }
            records.make_room(OffsetDateTime::now_utc());
        }
        records.by_id.insert(record.id, record.clone());
        Ok(())
    }

    /// The record, if it exists and has not expired. An expired one is
    /// deleted on the way.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut records = self.lock();
        match records.by_id.get(id) {
            Some(record) if record.expiry_date > OffsetDateTime::now_utc() => {
                Ok(Some(record.clone()))
            }
            Some(_) => {
                records.by_id.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.lock().by_id.remove(id);
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.lock().sweep(OffsetDateTime::now_utc());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tower_sessions::SessionStore as _;

    use super::*;

    fn record(expires_in: Duration, data: bool) -> Record {
        let mut data_map = HashMap::new();
        if data {
            data_map.insert("count".to_string(), serde_json::json!(1));
        }
        Record {
            id: Id(0),
            data: data_map,
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn a_record_is_kept_until_it_expires() {
        let store = SessionStore::default();
        let mut live = record(Duration::minutes(5), true);
        store.create(&mut live).await.unwrap();
        assert_eq!(store.load(&live.id).await.unwrap(), Some(live.clone()));

        let mut expired = record(Duration::seconds(-1), true);
        store.create(&mut expired).await.unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(store.load(&expired.id).await.unwrap(), None);
        assert_eq!(store.len(), 1, "loading an expired record deletes it");
    }

    #[tokio::test]
    async fn expired_records_are_swept_out() {
        let store = SessionStore::default();
        for _ in 0..5 {
            store
                .create(&mut record(Duration::seconds(-1), true))
                .await
                .unwrap();
        }
        store.delete_expired().await.unwrap();
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn an_empty_session_gets_an_id_but_no_record() {
        let store = SessionStore::default();
        let mut empty = record(Duration::minutes(5), false);
        store.create(&mut empty).await.unwrap();
        assert!(store.is_empty());
        store.save(&empty).await.unwrap();
        assert!(store.is_empty());

        let mut full = record(Duration::minutes(5), true);
        store.create(&mut full).await.unwrap();
        full.data.clear();
        store.save(&full).await.unwrap();
        assert_eq!(store.len(), 1, "a record emptied by its session stays");
    }

    #[tokio::test]
    async fn at_the_cap_the_sessions_closest_to_expiry_make_room() {
        let store = SessionStore::default();
        let mut oldest = record(Duration::minutes(1), true);
        store.create(&mut oldest).await.unwrap();
        for _ in 1..MAX_SESSIONS {
            store
                .create(&mut record(Duration::minutes(5), true))
                .await
                .unwrap();
        }
        assert_eq!(store.len(), MAX_SESSIONS);
        let mut newest = record(Duration::minutes(5), true);
        store.create(&mut newest).await.unwrap();
        assert_eq!(store.len(), MAX_SESSIONS - MAX_SESSIONS / 10 + 1);
        assert_eq!(store.load(&oldest.id).await.unwrap(), None);
        assert!(store.load(&newest.id).await.unwrap().is_some());
    }
}
