#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Backups and restores on SQLite and PostgreSQL and across them: every row and file comes back
//! identical; damaged, incomplete and newer archives are refused before anything changes.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use crm_core::{
    ActivityInput, Actor, CardRef, CompanyInput, ContactInput, Currency, DealInput, Region, Role,
    TaskInput, UserDraft, Zone,
};
use crm_store::backup::{self, Manifest, Reason, RestoreTarget};
use crm_store::testing::TestStore;
use crm_store::{DbConfig, NewAttachment, Store};

fn ru() -> Region {
    "RU".parse().unwrap()
}

/// A small installation with something in every kind of table, and one attached file.
fn fill(s: &Store, files: &Path) -> i64 {
    let d = UserDraft::new("m@example.com", "Мария \"Q\" O'Neil", Role::Manager, "ru").unwrap();
    let m = s.create_user(&Actor::system(), &d, "hash").unwrap().actor();
    let company = s
        .create_company(
            &m,
            &CompanyInput {
                name: "ООО «Ромашка»\nline two".into(),
                ..Default::default()
            }
            .validate(ru())
            .unwrap(),
        )
        .unwrap()
        .id;
    let ann = s
        .create_contact(
            &m,
            &ContactInput {
                name: "Анна Zoë".into(),
                company_id: Some(company),
                phones: vec!["8 (495) 123-45-67".into()],
                emails: vec!["Ann@Example.com".into()],
                birthday: Some("1990-02-28".into()),
                tags: vec!["vip".into()],
                ..Default::default()
            }
            .validate(ru())
            .unwrap(),
        )
        .unwrap()
        .id;
    s.create_deal(
        &m,
        &DealInput {
            title: "Windows".into(),
            amount: "1234.56".into(),
            contact_id: Some(ann),
            company_id: Some(company),
            ..Default::default()
        }
        .validate(Currency::USD)
        .unwrap(),
    )
    .unwrap();
    let note = ActivityInput {
        kind: "note".into(),
        body: Some("=cmd|' /C calc'!A0 and a tab\tand emoji 🎉".into()),
        ..Default::default()
    }
    .validate(Zone::UTC, Utc::now())
    .unwrap();
    s.log_activity(&m, CardRef::Contact(ann), &note).unwrap();
    let key = "ab/cd/0123456789abcdef";
    let path = files.join("ab").join("cd").join("0123456789abcdef");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"%PDF-1.4 a plan").unwrap();
    s.attach_files(
        &m,
        CardRef::Contact(ann),
        None,
        "plan",
        &[NewAttachment {
            file_name: "plan.pdf".into(),
            content_type: "application/pdf".into(),
            size: 15,
            sha256: "00".repeat(32),
            storage_key: key.into(),
        }],
    )
    .unwrap();
    let due = (Utc::now() + Duration::days(2)).to_rfc3339();
    let task = TaskInput {
        title: "Call back".into(),
        due_at: due,
        remind_before: "15".into(),
        card_kind: "contact".into(),
        card_id: ann.to_string(),
        ..Default::default()
    }
    .validate(Zone::UTC)
    .unwrap();
    s.create_task(&m, &task).unwrap();
    ann
}

/// Data and file entries of an archive: equal maps mean equal content.
fn content(m: &Manifest) -> BTreeMap<String, backup::Sum> {
    m.entries.clone()
}

fn target(t: &TestStore, dir: &Path) -> RestoreTarget {
    RestoreTarget {
        database: DbConfig {
            url: t.url.clone(),
            pool_size: 2,
        },
        files_dir: dir.join("files"),
        backup_folder: dir.join("backups"),
    }
}

fn take(s: &Store, files: &Path, folder: &Path) -> PathBuf {
    s.backup(files, folder, Reason::Manual, Utc::now())
        .unwrap()
        .path
}

#[test]
fn every_row_and_file_comes_back_on_each_backend_and_across() {
    for source in TestStore::each() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        fill(&source.store, &files);
        let archive = take(&source.store, &files, &dir.path().join("backups"));
        let manifest = backup::verify(&archive).unwrap();
        assert_eq!(manifest.files(), 1);
        assert!(
            manifest
                .tables
                .iter()
                .any(|t| t.name == "contacts" && t.rows == 1)
        );
        for dest in TestStore::each() {
            let what = format!("{} -> {}", source.backend_name(), dest.backend_name());
            let out = tempfile::tempdir().unwrap();
            let restored =
                backup::restore(&archive, &target(&dest, out.path()), false, Utc::now()).unwrap();
            let counts: Vec<_> = manifest
                .tables
                .iter()
                .map(|t| (t.name.clone(), t.rows))
                .collect();
            assert_eq!(restored.counts, counts, "{what}");
            assert_eq!(
                std::fs::read(out.path().join("files/ab/cd/0123456789abcdef")).unwrap(),
                b"%PDF-1.4 a plan",
                "{what}"
            );
            // A backup of the restored database holds exactly the same rows and files. (Open it
            // anew: an SQLite restore puts a new file in place, as `crm serve` is stopped.)
            let store = Store::open(&target(&dest, out.path()).database).unwrap();
            let again = take(&store, &out.path().join("files"), &out.path().join("b2"));
            let second = backup::verify(&again).unwrap();
            assert_eq!(content(&second), content(&manifest), "{what}");
            // New rows get fresh ids (PostgreSQL's identity sequences moved past the loaded ids).
            let admin = Actor::system();
            let input = ContactInput {
                name: "After restore".into(),
                ..Default::default()
            };
            let c = store
                .create_contact(&admin, &input.validate(ru()).unwrap())
                .unwrap();
            assert!(c.id > 1, "{what}");
        }
    }
}

#[test]
fn a_database_that_holds_data_is_set_aside_only_with_force() {
    for t in TestStore::each() {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("files");
        fill(&t.store, &files);
        let archive = take(&t.store, &files, &dir.path().join("backups"));
        let target = RestoreTarget {
            database: DbConfig {
                url: t.url.clone(),
                pool_size: 2,
            },
            files_dir: files.clone(),
            backup_folder: dir.path().join("backups"),
        };
        let refused = backup::restore(&archive, &target, false, Utc::now()).unwrap_err();
        assert!(refused.to_string().contains("--force"), "{refused}");
        // Something written after the backup is set aside, not lost.
        let input = ContactInput {
            name: "Written later".into(),
            ..Default::default()
        };
        t.store
            .create_contact(&Actor::system(), &input.validate(ru()).unwrap())
            .unwrap();
        let restored = backup::restore(&archive, &target, true, Utc::now()).unwrap();
        assert!(!restored.set_aside.is_empty());
        for p in &restored.set_aside {
            assert!(p.exists(), "{} kept", p.display());
        }
        let aside_db = restored
            .set_aside
            .iter()
            .find(|p| p.is_file() && !p.starts_with(dir.path()));
        assert!(files.join("ab/cd/0123456789abcdef").is_file());
        let store = Store::open(&target.database).unwrap();
        let after = take(&store, &files, &dir.path().join("b3"));
        let contacts = |m: &Manifest| m.tables.iter().find(|t| t.name == "contacts").unwrap().rows;
        assert_eq!(
            contacts(&backup::verify(&after).unwrap()),
            1,
            "{}",
            t.backend_name()
        );
        // The SQLite file set aside lies beside the test database in the temporary folder.
        if let Some(p) = aside_db {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
    }
}

/// Rewrites an archive entry by entry; `edit` may change or drop (`None`) each entry.
fn rewrite(from: &Path, to: &Path, mut edit: impl FnMut(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let input = zstd::Decoder::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut archive = tar::Archive::new(input);
    let out = zstd::Encoder::new(std::fs::File::create(to).unwrap(), 3).unwrap();
    let mut builder = tar::Builder::new(out);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if let Some(data) = edit(&name, data) {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o640);
            builder.append_data(&mut h, &name, &data[..]).unwrap();
        }
    }
    builder
        .into_inner()
        .unwrap()
        .finish()
        .unwrap()
        .flush()
        .unwrap();
}

#[test]
fn damaged_incomplete_and_newer_archives_are_refused_before_anything_changes() {
    let source = TestStore::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    fill(&source.store, &files);
    let good = take(&source.store, &files, &dir.path().join("backups"));
    let bytes = std::fs::read(&good).unwrap();
    let bad = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let truncated = bad("truncated.tar.zst", &bytes[..bytes.len() * 2 / 3]);
    let mut flipped_bytes = bytes.clone();
    let middle = flipped_bytes.len() / 2;
    flipped_bytes[middle] ^= 0x20;
    let flipped = bad("flipped.tar.zst", &flipped_bytes);
    let no_file = dir.path().join("no-file.tar.zst");
    rewrite(&good, &no_file, |name, data| {
        (!name.starts_with("files/")).then_some(data)
    });
    let changed_row = dir.path().join("changed-row.tar.zst");
    rewrite(&good, &changed_row, |name, data| {
        Some(if name.starts_with("data/contacts/") {
            String::from_utf8(data)
                .unwrap()
                .replace("Анна", "Анну")
                .into_bytes()
        } else {
            data
        })
    });
    let newer = dir.path().join("newer.tar.zst");
    let schema = backup::about(&good).unwrap().schema;
    rewrite(&good, &newer, |name, data| {
        Some(if name == "about.json" || name == "manifest.json" {
            String::from_utf8(data)
                .unwrap()
                .replace(&schema, "29991231000000")
                .into_bytes()
        } else {
            data
        })
    });
    let not_archive = bad("notes.tar.zst", b"just some text, not an archive");
    let cases = [
        (&truncated, "incomplete"),
        (&flipped, ""),
        (&no_file, "missing"),
        (&changed_row, "damaged"),
        (&newer, "newer"),
        (&not_archive, ""),
    ];
    for dest in TestStore::each() {
        let out = tempfile::tempdir().unwrap();
        let files_out = out.path().join("files");
        // The destination holds data, and even --force must not touch it.
        fill(&dest.store, &files_out);
        let target = target(&dest, out.path());
        let before = backup::verify(&take(&dest.store, &files_out, &out.path().join("b"))).unwrap();
        for (archive, says) in &cases {
            let err = backup::restore(archive, &target, true, Utc::now()).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(says), "{}: {msg}", archive.display());
            if *says != "newer" {
                assert!(backup::verify(archive).is_err(), "{}", archive.display());
            }
        }
        let after = backup::verify(&take(&dest.store, &files_out, &out.path().join("c"))).unwrap();
        assert_eq!(content(&after), content(&before), "{}", dest.backend_name());
        let names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.contains("before-restore") && !n.contains("restoring")),
            "{names:?}"
        );
        assert!(
            backup::list(&target.backup_folder).unwrap().is_empty(),
            "no safety archive either"
        );
    }
}

#[test]
fn listing_shows_ready_and_unfinished_archives_and_pruning_keeps_manual_ones() {
    let t = TestStore::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let folder = dir.path().join("backups");
    let now = Utc::now();
    for days in 0..10 {
        t.store
            .backup(
                &files,
                &folder,
                Reason::Scheduled,
                now - Duration::days(days),
            )
            .unwrap();
    }
    t.store
        .backup(&files, &folder, Reason::Manual, now - Duration::days(30))
        .unwrap();
    std::fs::write(
        folder.join(".crm-20260101-000000Z-manual.tar.zst.partial"),
        b"half",
    )
    .unwrap();
    let listed = backup::list(&folder).unwrap();
    assert_eq!(listed.len(), 12);
    assert_eq!(
        listed
            .iter()
            .filter(|l| l.state == backup::State::Unfinished)
            .count(),
        1
    );
    let config = backup::BackupConfig {
        keep_daily: 3,
        keep_weekly: 0,
        ..Default::default()
    };
    let removed = backup::prune(&folder, &config, Zone::UTC).unwrap();
    assert_eq!(removed.len(), 7);
    let left: Vec<_> = backup::list(&folder)
        .unwrap()
        .into_iter()
        .filter_map(|l| match l.state {
            backup::State::Ready(a) => Some(a.reason),
            _ => None,
        })
        .collect();
    assert_eq!(left.iter().filter(|r| *r == "scheduled").count(), 3);
    assert_eq!(left.iter().filter(|r| *r == "manual").count(), 1);
}
