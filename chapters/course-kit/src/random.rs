//! Where session ids and CSRF tokens get their randomness: the operating
//! system's generator, through `rand`, unless the screenshots asked for
//! predictable values.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rand::RngCore;

static PREDICTABLE: AtomicBool = AtomicBool::new(false);
static NEXT: AtomicU64 = AtomicU64::new(1);

/// `N` random bytes: what a session id or a CSRF token is made of.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if PREDICTABLE.load(Ordering::Relaxed) {
        // 1, 2, 3, … in the first bytes, so each value is still different.
        let next = NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        let n = N.min(next.len());
        bytes[..n].copy_from_slice(&next[..n]);
    } else {
        rand::rng().fill_bytes(&mut bytes);
    }
    bytes
}

/// Makes every session id and CSRF token from now on predictable: 1, 2, 3…
///
/// Only for `just screenshots`, so that a picture of a page changes only
/// when something on it really changed. **Never call this in a server**: a
/// session id that can be guessed lets anyone become anyone.
pub fn use_predictable_ids_for_screenshots() {
    PREDICTABLE.store(true, Ordering::Relaxed);
}
