//! What replicas tell each other through the store, on both engines: the change log in
//! commit order, the refresh lease with its expiry, and which generations of prepared cards
//! may be deleted.
#![allow(clippy::unwrap_used, reason = "test code: a panic is the failure report")]

mod common;

use crm_storage::{Change, Database, Query};
use diesel::prelude::*;

fn card_generations_with_rows(db: &Database) -> Vec<i64> {
    use crm_storage::schema::prepared_cards;
    db.read(|c| {
        Ok(prepared_cards::table
            .select(prepared_cards::generation)
            .distinct()
            .order(prepared_cards::generation)
            .load_in::<i64>(c)?)
    })
    .unwrap()
}

#[test]
fn the_change_log_gives_each_write_its_place_and_reads_back_what_it_changed() {
    for (_store, db) in common::fresh_dbs("the_change_log_gives_each_write_its_place_and_reads_back_what_it_changed") {
        assert_eq!(db.read(crm_storage::last_change).unwrap(), 0, "an empty log ends at 0");
        let nothing = db.write(|c| crm_storage::record_change(c, "a", &Change::default())).unwrap();
        assert_eq!(nothing, None, "a write that changes nothing is not logged");
        let sales = Change { customers: vec![3, 1], ..Change::default() };
        let catalogue = Change {
            products: vec!["TEA \"green\", 50g".into(), "ÉCLAIR".into()],
            catalogue: true,
            ..Change::default()
        };
        let first = db.write(|c| crm_storage::record_change(c, "a", &sales)).unwrap().unwrap();
        let second = db.write(|c| crm_storage::record_change(c, "b", &catalogue)).unwrap().unwrap();
        assert!(second > first);
        // A write rolled back leaves no entry.
        let failed: Result<(), _> = db.write(|c| {
            crm_storage::record_change(c, "a", &sales)?;
            Err(crm_storage::StorageError::NotFound)
        });
        assert!(failed.is_err());
        assert_eq!(db.read(crm_storage::last_change).unwrap(), second);

        let read = db.read(|c| crm_storage::changes_after(c, 0, 10)).unwrap();
        let entries: Vec<(i64, &str, &Change)> = read.iter().map(|e| (e.seq, e.replica.as_str(), &e.change)).collect();
        assert_eq!(entries, [(first, "a", &sales), (second, "b", &catalogue)]);
        assert_eq!(db.read(|c| crm_storage::changes_after(c, first, 10)).unwrap().len(), 1);
        assert_eq!(db.read(|c| crm_storage::changes_after(c, 0, 1)).unwrap()[0].seq, first, "at most the limit");

        // Pruning by age: nothing is an hour old; everything is older than -1 ms.
        assert_eq!(db.write(|c| crm_storage::prune_changes(c, 3_600_000)).unwrap(), 0);
        assert_eq!(db.write(|c| crm_storage::prune_changes(c, -1_000)).unwrap(), 2);
        assert!(db.read(|c| crm_storage::changes_after(c, 0, 10)).unwrap().is_empty());
        let third = db.write(|c| crm_storage::record_change(c, "a", &sales)).unwrap().unwrap();
        assert!(third > second, "numbers are never reused, even after pruning");
    }
}

#[test]
fn the_refresh_lease_is_held_by_one_replica_until_given_back_or_expired() {
    for (_store, db) in common::fresh_dbs("the_refresh_lease_is_held_by_one_replica_until_given_back_or_expired") {
        assert_eq!(db.read(crm_storage::refresh_lease).unwrap(), None);
        assert!(db.write(|c| crm_storage::take_refresh_lease(c, "a", 60_000)).unwrap());
        assert!(!db.write(|c| crm_storage::take_refresh_lease(c, "b", 60_000)).unwrap(), "a holds it");
        assert!(db.write(|c| crm_storage::take_refresh_lease(c, "a", 60_000)).unwrap(), "a renews its own");
        let (holder, left) = db.read(crm_storage::refresh_lease).unwrap().unwrap();
        assert_eq!(holder, "a");
        assert!(left > 50_000 && left <= 60_000, "{left}");
        // Only the holder gives it back.
        db.write(|c| crm_storage::release_refresh_lease(c, "b")).unwrap();
        assert!(!db.write(|c| crm_storage::take_refresh_lease(c, "b", 60_000)).unwrap());
        db.write(|c| crm_storage::release_refresh_lease(c, "a")).unwrap();
        assert_eq!(db.read(crm_storage::refresh_lease).unwrap(), None);
        assert!(db.write(|c| crm_storage::take_refresh_lease(c, "b", 60_000)).unwrap());

        // A holder that died: its lease runs out and another takes it.
        db.write(|c| crm_storage::release_refresh_lease(c, "b")).unwrap();
        assert!(db.write(|c| crm_storage::take_refresh_lease(c, "dead", 50)).unwrap());
        assert!(!db.write(|c| crm_storage::take_refresh_lease(c, "b", 60_000)).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(120));
        assert_eq!(db.read(crm_storage::refresh_lease).unwrap(), None, "expired");
        assert!(db.write(|c| crm_storage::take_refresh_lease(c, "b", 60_000)).unwrap());
    }
}

#[test]
fn only_generations_no_live_replica_serves_are_deleted() {
    for (_store, db) in common::fresh_dbs("only_generations_no_live_replica_serves_are_deleted") {
        let cards = [(1, vec![1_u8]), (2, vec![2_u8])];
        // A generation an earlier version left, with no record of who made it.
        db.write(|c| crm_storage::insert_prepared_cards(c, 1, &cards)).unwrap();
        let a1 = db.write(|c| crm_storage::new_card_generation(c, "a")).unwrap();
        assert_eq!(a1, 2, "after every generation with rows");
        let b1 = db.write(|c| crm_storage::new_card_generation(c, "b")).unwrap();
        let a2 = db.write(|c| crm_storage::new_card_generation(c, "a")).unwrap();
        assert_eq!((b1, a2), (3, 4));
        for g in [a1, b1, a2] {
            db.write(|c| crm_storage::insert_prepared_cards(c, g, &cards)).unwrap();
        }
        // a serves a2: its own older one and the orphan go; b's recent one stays.
        let deleted = db.write(|c| crm_storage::delete_unserved_cards(c, (a2, "a"), Some(60_000), 100)).unwrap();
        assert_eq!(deleted, 4);
        assert_eq!(card_generations_with_rows(&db), [b1, a2]);
        // In batches: a limit of 1 deletes one row at a time.
        let b2 = db.write(|c| crm_storage::new_card_generation(c, "b")).unwrap();
        db.write(|c| crm_storage::insert_prepared_cards(c, b2, &cards)).unwrap();
        assert_eq!(db.write(|c| crm_storage::delete_unserved_cards(c, (b2, "b"), Some(60_000), 1)).unwrap(), 1);
        assert_eq!(db.write(|c| crm_storage::delete_unserved_cards(c, (b2, "b"), Some(60_000), 1)).unwrap(), 1);
        assert_eq!(db.write(|c| crm_storage::delete_unserved_cards(c, (b2, "b"), Some(60_000), 1)).unwrap(), 0);
        assert_eq!(card_generations_with_rows(&db), [a2, b2]);
        // Another replica's generation past the age (or any, for a store one process uses) goes.
        assert_eq!(db.write(|c| crm_storage::delete_unserved_cards(c, (b2, "b"), None, 100)).unwrap(), 2);
        assert_eq!(card_generations_with_rows(&db), [b2]);
        let next = db.write(|c| crm_storage::new_card_generation(c, "a")).unwrap();
        assert_eq!(next, b2 + 1, "numbers are not reused");
    }
}

#[test]
fn the_installed_generation_that_read_furthest_is_offered_to_every_replica() {
    for (_store, db) in common::fresh_dbs("the_installed_generation_that_read_furthest_is_offered_to_every_replica") {
        assert_eq!(db.read(crm_storage::newest_installed_generation).unwrap(), None);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let made: Vec<i64> = ["a", "b", "a"]
            .iter()
            .map(|replica| db.write(|c| crm_storage::new_card_generation(c, replica)).unwrap())
            .collect();
        assert_eq!(db.read(crm_storage::newest_installed_generation).unwrap(), None, "made is not installed");
        assert_eq!(db.read(|c| crm_storage::installed_cards(c, made[0])).unwrap(), None);
        let installed = |generation, sequence| crm_storage::InstalledCards {
            generation,
            sequence,
            ranked_for: day,
            as_of: day.pred_opt().unwrap(),
            cards: 1_000 + generation,
            labels: vec![0, 1, 2, generation as u8, 0xff],
        };
        db.write(|c| crm_storage::record_installed_cards(c, &installed(made[0], 40))).unwrap();
        db.write(|c| crm_storage::record_installed_cards(c, &installed(made[1], 55))).unwrap();
        db.write(|c| crm_storage::record_installed_cards(c, &installed(made[2], 50))).unwrap();
        assert_eq!(
            db.read(crm_storage::newest_installed_generation).unwrap(),
            Some((made[1], 55)),
            "the one that read furthest, not the last made"
        );
        assert_eq!(db.read(|c| crm_storage::installed_cards(c, made[1])).unwrap(), Some(installed(made[1], 55)));
    }
}
