//! Several processes on one store ("replicas", on PostgreSQL; on SQLite there is one, and
//! the same code serves it):
//! - every write that changes a prepared result records what it changed in the store's
//!   change log, in its own transaction ([`Service::write_changing`]); the writing process
//!   marks it at once, the others when they read the log ([`Service::follow_changes`],
//!   about once a second), and each then asks for its own refresh;
//! - the prepared checkout cards are shared: a refresh records its installed generation
//!   (with the product numbering its rows refer to), and every replica serves the one
//!   that read furthest in the log, whoever made it;
//! - one refresh runs at a time across replicas: it holds the lease row
//!   (`crm_refresh_lease`) with an expiry, renewed while it runs, so a replica that dies
//!   mid-refresh holds it up for at most [`LEASE_MS`] ([`Lease`]).

use crate::{Service, ServiceError};
use crm_storage::{Change, Conn, Database, StorageError};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a refresh lease lasts unless renewed.
pub const LEASE_MS: i64 = 30_000;

/// How often a running refresh renews its lease.
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// How often a replica waiting for the lease tries again.
const LEASE_RETRY: Duration = Duration::from_millis(250);

/// How often [`Service::follow_changes`] is meant to be called.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// Change log entries older than this are pruned.
const CHANGES_KEPT_MS: i64 = 10 * 60_000;

/// A replica that could not read the log for this long may have missed pruned entries: it
/// drops every card it prepared and starts again from the log's end.
const LOST_TRACK_AFTER: Duration = Duration::from_secs(5 * 60);

/// Entries read per query of the log.
const CHANGES_PER_READ: i64 = 1_000;

/// Where this replica is in the change log.
#[derive(Debug, Default)]
pub(crate) struct Follower {
    /// The last entry read, and when the log was last read; `None` until the first read.
    state: Mutex<Option<(i64, Instant)>>,
    /// Reads of the log since the last pruning.
    reads: Mutex<u32>,
}

/// A name for this process among the replicas: host, process id and start time.
pub(crate) fn replica_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    format!("{host}/{}/{started}", std::process::id())
}

impl Service {
    /// This process's name among the replicas (in the change log, the refresh lease and
    /// `analytics_runs`).
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Runs `unit` as one write and records what it says it changed in the change log, in
    /// the same transaction; once committed, marks the change here and asks for a refresh.
    pub(crate) fn write_changing<T>(
        &self,
        unit: impl FnOnce(&mut Conn) -> Result<(T, Change), StorageError>,
    ) -> Result<T, ServiceError> {
        let (value, recorded) = self.db.write(|conn| {
            let (value, change) = unit(conn)?;
            let seq = crm_storage::record_change(conn, &self.replica, &change)?;
            Ok((value, seq.map(|seq| (seq, change))))
        })?;
        if let Some((seq, change)) = recorded {
            self.apply_change(seq, &change);
        }
        Ok(value)
    }

    /// What a change means here: its cards are marked, a catalogue change makes the reorder
    /// list stale, and a refresh is asked for.
    fn apply_change(&self, seq: i64, change: &Change) {
        self.cards.changed(seq, &change.customers, &change.products);
        if change.catalogue {
            self.forecasts.catalogue_changed();
        }
        self.refresh.request();
    }

    /// Reads the change log past the last entry read and applies what other replicas
    /// changed; every minute or so, prunes old entries. The first call only notes where
    /// the log ends: call it once before the first refresh can run, then every
    /// [`FOLLOW_EVERY`]. Returns how many entries of other replicas it applied.
    pub fn follow_changes(&self) -> Result<usize, ServiceError> {
        let mut state = self.follower.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((mut last, read_at)) = *state else {
            let end = self.db.read(crm_storage::last_change)?;
            // Cards prepared from before here (an earlier run's, another replica's) would
            // miss the changes since: never served.
            self.cards.follows_from(end);
            *state = Some((end, Instant::now()));
            return Ok(0);
        };
        if read_at.elapsed() > LOST_TRACK_AFTER {
            let end = self.db.read(crm_storage::last_change)?;
            log::warn!(
                "the change log was not read for {} s (entries may have been pruned): every prepared card is \
                 dropped and a refresh asked for",
                read_at.elapsed().as_secs()
            );
            self.cards.forget(end);
            self.forecasts.catalogue_changed();
            self.refresh.request();
            *state = Some((end, Instant::now()));
            return Ok(0);
        }
        let mut applied = 0;
        loop {
            let entries = self.db.read(|conn| crm_storage::changes_after(conn, last, CHANGES_PER_READ))?;
            for entry in &entries {
                if entry.replica != self.replica {
                    self.apply_change(entry.seq, &entry.change);
                    applied += 1;
                }
                last = entry.seq;
            }
            if i64::try_from(entries.len()).unwrap_or(i64::MAX) < CHANGES_PER_READ {
                break;
            }
        }
        // The newest cards any replica installed: served here too when they read further.
        // (Its product numbering is read only when it is to be served.)
        if let Some((generation, sequence)) = self.db.read(crm_storage::newest_installed_generation)?
            && self.cards.would_adopt(generation, sequence)
            && let Some(installed) = self.db.read(|conn| crm_storage::installed_cards(conn, generation))?
            && self.cards.adopt(installed)
        {
            log::debug!("serving generation {generation} of prepared cards, installed by another replica");
        }
        *state = Some((last, Instant::now()));
        drop(state);
        let mut reads = self.follower.reads.lock().unwrap_or_else(PoisonError::into_inner);
        *reads += 1;
        if *reads >= 60 {
            *reads = 0;
            let pruned = self.db.write(|conn| crm_storage::prune_changes(conn, CHANGES_KEPT_MS))?;
            log::debug!("{pruned} change log entries older than {} min pruned", CHANGES_KEPT_MS / 60_000);
        }
        Ok(applied)
    }
}

/// The refresh lease, held until dropped (then given back); renewed by [`Lease::keep`].
pub(crate) struct Lease<'a> {
    db: &'a Database,
    holder: &'a str,
}

impl<'a> Lease<'a> {
    /// Waits until the lease is free (or expired), and takes it.
    pub(crate) fn take(db: &'a Database, holder: &'a str) -> Result<Self, StorageError> {
        let mut said = false;
        while !db.write(|conn| crm_storage::take_refresh_lease(conn, holder, LEASE_MS))? {
            if !said {
                if let Some((other, left)) = db.read(crm_storage::refresh_lease)? {
                    log::info!("waiting for the refresh of replica {other} (its lease runs {left} ms more)");
                }
                said = true;
            }
            std::thread::sleep(LEASE_RETRY);
        }
        Ok(Self { db, holder })
    }

    /// Runs `work` while a thread renews the lease every [`RENEW_EVERY`].
    pub(crate) fn keep<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        let (done, stop) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(RENEW_EVERY) {
                    match self.db.write(|conn| crm_storage::take_refresh_lease(conn, self.holder, LEASE_MS)) {
                        Ok(true) => {}
                        Ok(false) => log::error!(
                            "the refresh lease was lost (this refresh ran past it unrenewed): another replica may refresh at the same time"
                        ),
                        Err(error) => log::warn!("renewing the refresh lease failed: {}", crate::error_chain(&error)),
                    }
                }
            });
            let value = work();
            drop(done);
            value
        })
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.db.write(|conn| crm_storage::release_refresh_lease(conn, self.holder)) {
            log::warn!(
                "giving the refresh lease back failed ({}): it expires within {} s",
                crate::error_chain(&error),
                LEASE_MS / 1000
            );
        }
    }
}
