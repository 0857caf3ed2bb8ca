//! Login throttling: after [`MAX_FAILURES`] failed logins on one username,
//! that username is refused for a while (the `--lockout` option, 60 seconds
//! by default), whoever tries it and whatever password they type.
//!
//! Argon2 already makes each guess cost the *server* tens of milliseconds;
//! throttling caps how many guesses anyone gets: five per username per
//! lockout period, which turns a dictionary of a million passwords into
//! years of waiting. Usernames are counted whether or not they exist, so
//! that the throttle, too, says nothing about which ones do.
//!
//! The counts live in the server's memory, and memory must stay bounded
//! whatever a client sends, so:
//! - a username is counted by its first [`MAX_NAME_CHARS`] characters;
//! - at most [`MAX_TRACKED`] usernames are tracked. When a new one comes
//!   and the table is full, the usernames whose count no longer matters
//!   (their lock is over, or their last failure is older than
//!   [`FORGET_AFTER`]) are forgotten, then, if need be, the *unlocked* one
//!   whose last failure is oldest. A locked username is never forgotten
//!   before its lock ends, so flooding the table cannot unlock it. If every
//!   tracked username is locked, logins on new usernames are refused until
//!   the first lock ends: the server refuses rather than stop counting.
//!
//! A restart forgets every count. A real site keeps them in its database,
//! and also throttles per client address, which this chapter leaves out.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// Failed logins allowed on one username before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// The longest username the throttle tells apart (Django's limit on a
/// username's length). Longer ones are counted by their start.
pub const MAX_NAME_CHARS: usize = 150;
/// The most usernames tracked at once.
pub const MAX_TRACKED: usize = 10_000;
/// Failures older than this are forgotten when room is needed.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// The failed logins of each username, in the server's memory.
#[derive(Debug)]
pub struct LoginThrottle {
    lockout: Duration,
    by_name: HashMap<String, Failures>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// What a failed login left behind.
#[derive(Debug, PartialEq)]
pub enum AfterFailure {
    /// This many more failures lock the username.
    AttemptsLeft(u32),
    /// That was the last one: the username is locked for this long.
    Locked(Duration),
}

impl LoginThrottle {
    pub fn new(lockout: Duration) -> Self {
        Self {
            lockout,
            by_name: HashMap::new(),
        }
    }

    /// Whether a login on `username` may be tried now; if not, how long to wait.
    pub fn check(&mut self, username: &str, now: Instant) -> Result<(), Duration> {
        let name = key(username);
        if let Some(failures) = self.by_name.get(name) {
            return match self.lock_left(failures, now) {
                Some(wait) => Err(wait),
                None => Ok(()),
            };
        }
        // A new username needs a place in the table, should this login fail.
        if self.by_name.len() >= MAX_TRACKED && !self.make_room(now) {
            return Err(self.soonest_unlock(now));
        }
        Ok(())
    }

    /// Counts a failed login on `username`.
    pub fn failed(&mut self, username: &str, now: Instant) -> AfterFailure {
        let name = key(username);
        // Two logins on new usernames can pass `check` at once and fail
        // together; if the second finds the table full of locks, it is
        // answered as `check` would have answered it.
        if !self.by_name.contains_key(name)
            && self.by_name.len() >= MAX_TRACKED
            && !self.make_room(now)
        {
            return AfterFailure::Locked(self.soonest_unlock(now));
        }
        let failures = self.by_name.entry(name.to_string()).or_insert(Failures {
            count: 0,
            last: now,
        });
        // A username whose lock is over starts counting again.
        if failures.count >= MAX_FAILURES {
            failures.count = 0;
        }
        failures.count += 1;
        failures.last = now;
        match MAX_FAILURES - failures.count {
            0 => AfterFailure::Locked(self.lockout),
            left => AfterFailure::AttemptsLeft(left),
        }
    }

    /// A successful login: the username's failures are forgotten.
    pub fn succeeded(&mut self, username: &str) {
        self.by_name.remove(key(username));
    }

    /// How many usernames are tracked now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    fn lock_left(&self, failures: &Failures, now: Instant) -> Option<Duration> {
        if failures.count < MAX_FAILURES {
            return None;
        }
        let ends = failures.last + self.lockout;
        (ends > now).then(|| ends - now)
    }

    /// Forgets what no longer matters, then the oldest unlocked username.
    /// Whether there is room now.
    fn make_room(&mut self, now: Instant) -> bool {
        let lockout = self.lockout;
        self.by_name.retain(|_, failures| {
            let locked = failures.count >= MAX_FAILURES && failures.last + lockout > now;
            let recent = now.duration_since(failures.last) < FORGET_AFTER.max(lockout);
            locked || (recent && failures.count < MAX_FAILURES)
        });
        if self.by_name.len() < MAX_TRACKED {
            return true;
        }
        let oldest_unlocked = self
            .by_name
            .iter()
            .filter(|(_, failures)| failures.count < MAX_FAILURES)
            .min_by_key(|(_, failures)| failures.last)
            .map(|(name, _)| name.clone());
        match oldest_unlocked {
            Some(name) => {
                self.by_name.remove(&name);
                true
            }
            None => false,
        }
    }

    /// When a full table of locked usernames frees its first place.
    fn soonest_unlock(&self, now: Instant) -> Duration {
        self.by_name
            .values()
            .filter_map(|failures| self.lock_left(failures, now))
            .min()
            .unwrap_or(self.lockout)
    }
}

/// The part of a username the throttle counts by.
fn key(username: &str) -> &str {
    match username.char_indices().nth(MAX_NAME_CHARS) {
        Some((cut, _)) => &username[..cut],
        None => username,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCKOUT: Duration = Duration::from_secs(60);

    fn fail_times(throttle: &mut LoginThrottle, name: &str, times: u32, now: Instant) {
        for _ in 0..times {
            throttle.failed(name, now);
        }
    }

    #[test]
    fn five_failures_lock_a_username_for_the_lockout() {
        let mut throttle = LoginThrottle::new(LOCKOUT);
        let start = Instant::now();
        for left in (1..MAX_FAILURES).rev() {
            assert_eq!(throttle.check("alice", start), Ok(()));
            assert_eq!(
                throttle.failed("alice", start),
                AfterFailure::AttemptsLeft(left)
            );
        }
        assert_eq!(
            throttle.failed("alice", start),
            AfterFailure::Locked(LOCKOUT)
        );
        assert_eq!(throttle.check("alice", start), Err(LOCKOUT));
        let later = start + Duration::from_secs(45);
        assert_eq!(throttle.check("alice", later), Err(Duration::from_secs(15)));
        assert_eq!(
            throttle.check("bob", later),
            Ok(()),
            "other usernames are not locked"
        );
        // When the lock is over, the count starts again.
        let after = start + LOCKOUT;
        assert_eq!(throttle.check("alice", after), Ok(()));
        assert_eq!(
            throttle.failed("alice", after),
            AfterFailure::AttemptsLeft(4)
        );
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let mut throttle = LoginThrottle::new(LOCKOUT);
        let now = Instant::now();
        fail_times(&mut throttle, "alice", 4, now);
        throttle.succeeded("alice");
        assert_eq!(throttle.len(), 0);
        assert_eq!(throttle.failed("alice", now), AfterFailure::AttemptsLeft(4));
    }

    #[test]
    fn long_usernames_are_counted_by_their_start() {
        let mut throttle = LoginThrottle::new(LOCKOUT);
        let now = Instant::now();
        let long = "é".repeat(MAX_NAME_CHARS);
        fail_times(&mut throttle, &format!("{long}one"), 3, now);
        fail_times(&mut throttle, &format!("{long}two"), 2, now);
        assert_eq!(throttle.len(), 1);
        assert!(throttle.check(&format!("{long}three"), now).is_err());
    }

    #[test]
    fn a_full_table_forgets_the_oldest_unlocked_username_never_a_locked_one() {
        let mut throttle = LoginThrottle::new(LOCKOUT);
        let start = Instant::now();
        fail_times(&mut throttle, "alice", MAX_FAILURES, start);
        throttle.failed("oldest", start);
        for n in 2..MAX_TRACKED {
            throttle.failed(&format!("user{n}"), start + Duration::from_secs(1));
        }
        assert_eq!(throttle.len(), MAX_TRACKED);
        let now = start + Duration::from_secs(2);
        assert_eq!(throttle.check("newcomer", now), Ok(()));
        throttle.failed("newcomer", now);
        assert_eq!(throttle.len(), MAX_TRACKED);
        assert!(throttle.check("alice", now).is_err(), "alice stays locked");
        assert_eq!(
            throttle.failed("oldest", now),
            AfterFailure::AttemptsLeft(4),
            "forgotten"
        );
    }

    #[test]
    fn a_table_full_of_locks_refuses_new_usernames_until_one_ends() {
        let mut throttle = LoginThrottle::new(LOCKOUT);
        let start = Instant::now();
        for n in 0..MAX_TRACKED {
            fail_times(&mut throttle, &format!("user{n}"), MAX_FAILURES, start);
        }
        let now = start + Duration::from_secs(10);
        assert_eq!(throttle.check("alice", now), Err(Duration::from_secs(50)));
        assert_eq!(
            throttle.check("alice", start + LOCKOUT),
            Ok(()),
            "the locks are over"
        );
    }
}
