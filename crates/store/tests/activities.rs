#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Timelines, tasks, notifications and the job queue on SQLite and (with
//! CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_core::{
    ActivityInput, ActivityKind, Actor, CardRef, CompanyInput, ContactInput, Currency, DealInput,
    Error, Job, Region, Role, TaskInput, TaskOwner, UserDraft, Zone,
};
use crm_store::testing::TestStore;
use crm_store::{DbConfig, JobOutcome, NewAttachment, Store, StoreError};

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn domain(e: StoreError) -> Error {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other}"),
    }
}

fn contact(s: &Store, a: &Actor, name: &str, company: Option<i64>, public: bool) -> i64 {
    let input = ContactInput {
        name: name.into(),
        company_id: company,
        visible_to_all: public,
        ..Default::default()
    };
    s.create_contact(a, &input.validate(ru()).unwrap())
        .unwrap()
        .id
}

fn note(text: &str) -> crm_core::ActivityDraft {
    ActivityInput {
        kind: "note".into(),
        body: Some(text.into()),
        ..Default::default()
    }
    .validate(Zone::UTC, Utc::now())
    .unwrap()
}

fn task(title: &str, due: Option<DateTime<Utc>>, remind: Option<i32>) -> TaskInput {
    TaskInput {
        title: title.into(),
        due_at: due.map(|d| d.to_rfc3339()).unwrap_or_default(),
        remind_before: remind.map(|r| r.to_string()).unwrap_or_default(),
        ..Default::default()
    }
}

/// Runs every job due by `at` with one worker; returns how many ran.
fn drain(s: &Store, worker: &str, at: DateTime<Utc>) -> usize {
    let mut n = 0;
    loop {
        let claimed = s.claim_jobs(worker, 100, at).unwrap();
        if claimed.is_empty() {
            return n;
        }
        for j in &claimed {
            assert_eq!(s.finish_job(worker, j, at).unwrap(), JobOutcome::Done);
            n += 1;
        }
    }
}

fn unread(s: &Store, a: &Actor) -> i64 {
    s.unread_notifications(a.user_id().unwrap()).unwrap().0
}

#[test]
fn timelines_collect_a_companys_contacts_and_deals() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let other = user(s, "o@example.com", Role::Manager);
        let company = s
            .create_company(
                &admin,
                &CompanyInput {
                    name: "Acme".into(),
                    visible_to_all: true,
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap()
            .id;
        let ann = contact(s, &admin, "Ann", Some(company), true);
        let deal = s
            .create_deal(
                &other,
                &DealInput {
                    title: "Windows".into(),
                    amount: "100".into(),
                    contact_id: Some(ann),
                    company_id: Some(company),
                    ..Default::default()
                }
                .validate(Currency::USD)
                .unwrap(),
            )
            .unwrap();
        let call = ActivityInput {
            kind: "call".into(),
            duration: Some("3".into()),
            result: Some("answered".into()),
            ..Default::default()
        }
        .validate(Zone::UTC, Utc::now())
        .unwrap();
        s.log_activity(&other, CardRef::Deal(deal.id), &call)
            .unwrap();
        s.log_activity(&m, CardRef::Contact(ann), &note("Prefers mornings"))
            .unwrap();
        for i in 0..25 {
            s.log_activity(&admin, CardRef::Company(company), &note(&format!("n{i}")))
                .unwrap();
        }
        s.move_deal(&other, deal.id, deal.stage_id + 1, None, None)
            .unwrap();

        let all = |a: &Actor, card| {
            let mut out = Vec::new();
            let mut before = None;
            loop {
                let page = s.timeline(a, card, None, before, 10).unwrap();
                assert!(page.items.len() <= 10);
                out.extend(page.items);
                match page.next {
                    Some(n) => before = Some(n),
                    None => return out,
                }
            }
        };
        // The company: its own 25 notes + created, Ann's note and created, the deal's call,
        // created and stage change — newest first, paged without gaps or repeats.
        let company_line = all(&admin, CardRef::Company(company));
        let ids: HashSet<i64> = company_line.iter().map(|a| a.id).collect();
        assert_eq!(ids.len(), company_line.len());
        assert_eq!(company_line.len(), 25 + 1 + 2 + 3, "{}", t.backend_name());
        assert!(
            company_line
                .windows(2)
                .all(|w| (w[0].occurred_at, w[0].id) > (w[1].occurred_at, w[1].id))
        );
        let moved = company_line
            .iter()
            .find(|a| a.event == "stage_changed")
            .unwrap();
        assert_eq!(moved.home, CardRef::Deal(deal.id));
        assert!(moved.data["to"].as_str().is_some());
        // The contact shows the deal's call too; the deal does not show the contact's note.
        let ann_line = all(&admin, CardRef::Contact(ann));
        assert!(ann_line.iter().any(|a| a.kind == ActivityKind::Call));
        let deal_line = all(&admin, CardRef::Deal(deal.id));
        assert!(deal_line.iter().all(|a| a.body != "Prefers mornings"));
        let calls = s
            .timeline(
                &admin,
                CardRef::Company(company),
                Some(ActivityKind::Call),
                None,
                10,
            )
            .unwrap();
        assert_eq!(calls.items.len(), 1);
        assert_eq!(calls.items[0].duration_s, Some(180));
        // Manager m sees the public company and contact, but not the other manager's private
        // deal, nor its entries copied up.
        let seen_by_m = all(&m, CardRef::Company(company));
        assert!(seen_by_m.iter().all(|a| a.deal_id.is_none()));
        assert_eq!(seen_by_m.len(), company_line.len() - 3);
        assert!(matches!(
            domain(
                s.timeline(&m, CardRef::Deal(deal.id), None, None, 10)
                    .unwrap_err()
            ),
            Error::NotFound
        ));
        // Only the author (or an admin) deletes; events are not deletable.
        let mine = ann_line
            .iter()
            .find(|a| a.body == "Prefers mornings")
            .unwrap();
        assert!(matches!(
            domain(s.delete_activity(&other, mine.id).unwrap_err()),
            Error::NotFound | Error::Forbidden
        ));
        s.delete_activity(&m, mine.id).unwrap();
        assert!(matches!(
            domain(s.delete_activity(&admin, moved.id).unwrap_err()),
            Error::Forbidden
        ));
    }
}

#[test]
fn attachments_follow_their_cards_permissions() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let other = user(s, "o@example.com", Role::Manager);
        let ann = contact(s, &m, "Ann", None, false);
        let file = NewAttachment {
            file_name: "plan.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            sha256: "ab".repeat(32),
            storage_key: "aa/bb/key1".into(),
        };
        let a = s
            .attach_files(&m, CardRef::Contact(ann), None, "measurements", &[file])
            .unwrap();
        assert_eq!(a.kind, ActivityKind::File);
        assert_eq!(a.attachments.len(), 1);
        let id = a.attachments[0].id;
        assert_eq!(s.attachment(&m, id).unwrap().file_name, "plan.pdf");
        assert!(matches!(
            domain(s.attachment(&other, id).unwrap_err()),
            Error::NotFound
        ));
        assert!(matches!(
            domain(
                s.attach_files(&other, CardRef::Contact(ann), None, "", &[])
                    .unwrap_err()
            ),
            Error::NotFound
        ));
        assert_eq!(
            s.delete_activity(&m, a.id).unwrap(),
            vec!["aa/bb/key1".to_string()]
        );
    }
}

#[test]
fn a_task_reminds_its_assignee_once_and_alerts_the_head_when_overdue() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let head = user(s, "head@example.com", Role::Manager);
        let m = user(s, "m@example.com", Role::Manager);
        let dept = s.save_department(&admin, "Sales", head.user_id()).unwrap();
        s.set_user_department(&admin, m.user_id().unwrap(), Some(dept.id))
            .unwrap();
        let due = Utc::now() + Duration::hours(2);
        let mut input = task("Call Ann back", Some(due), Some(15));
        input.assignee_id = m.user_id().unwrap().to_string();
        let created = s
            .create_task(&head, &input.validate(Zone::UTC).unwrap())
            .unwrap();
        // Assigning tells the assignee at once.
        assert_eq!(unread(s, &m), 1);
        // Nothing is due yet.
        assert_eq!(drain(s, "w1", Utc::now()), 0);
        // Saving again without changes queues nothing twice.
        s.update_task(&m, created.id, &input.validate(Zone::UTC).unwrap())
            .unwrap();
        assert_eq!(drain(s, "w1", due - Duration::minutes(10)), 1);
        assert_eq!(unread(s, &m), 2);
        let latest = s.notifications(&m, None, 1).unwrap().remove(0);
        assert_eq!(latest.kind, "task_reminder");
        assert_eq!(latest.link, format!("/tasks/{}", created.id));
        // Overdue: the assignee and their head hear.
        assert_eq!(drain(s, "w1", due + Duration::minutes(1)), 1);
        assert_eq!(unread(s, &m), 3);
        assert_eq!(unread(s, &head), 1);
        // The head sees the department's tasks; an outsider does not see the task at all.
        let outsider = user(s, "x@example.com", Role::Manager);
        let sections = s
            .task_sections(
                &head,
                TaskOwner::DepartmentOf(head.user_id().unwrap()),
                Zone::UTC,
                Utc::now(),
                crm_core::task::SECTION_PAGE,
            )
            .unwrap();
        assert_eq!(sections.today.len() + sections.upcoming.len(), 1);
        assert!(sections.more.is_empty());
        // A section cut short says so.
        let cut = s
            .task_sections(
                &head,
                TaskOwner::DepartmentOf(head.user_id().unwrap()),
                Zone::UTC,
                Utc::now(),
                0,
            )
            .unwrap();
        assert_eq!(cut.today.len() + cut.upcoming.len(), 0);
        assert_eq!(cut.more.len(), 1);
        assert!(matches!(
            domain(s.task(&outsider, created.id).unwrap_err()),
            Error::NotFound
        ));
        // Mark read: one, then all.
        assert_eq!(s.mark_read(&m, Some(latest.id)).unwrap(), 1);
        assert_eq!(s.mark_read(&m, None).unwrap(), 2);
        assert_eq!(unread(s, &m), 0);
    }
}

#[test]
fn a_moved_or_finished_task_does_not_remind_at_the_old_time() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let due = Utc::now() + Duration::hours(3);
        let created = s
            .create_task(
                &m,
                &task("Send quote", Some(due), Some(30))
                    .validate(Zone::UTC)
                    .unwrap(),
            )
            .unwrap();
        let later = due + Duration::days(1);
        s.update_task(
            &m,
            created.id,
            &task("Send quote", Some(later), Some(30))
                .validate(Zone::UTC)
                .unwrap(),
        )
        .unwrap();
        // The old reminder and alert run but say nothing.
        assert_eq!(drain(s, "w", due + Duration::minutes(1)), 2);
        assert_eq!(unread(s, &m), 0);
        s.complete_task(&m, created.id, false).unwrap();
        assert_eq!(drain(s, "w", later + Duration::minutes(1)), 2);
        assert_eq!(unread(s, &m), 0);
        assert!(matches!(
            domain(s.complete_task(&m, created.id, false).unwrap_err()),
            Error::Conflict(_)
        ));
    }
}

#[test]
fn a_reminder_in_a_dst_zone_fires_at_the_right_instant() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        s.set_time_zone(&m, m.user_id().unwrap(), "Europe/Berlin")
            .unwrap();
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // 29 March 2027 is after the 2027 spring change (28 March): 09:00 CEST = 07:00 UTC.
        let input = TaskInput {
            title: "Call".into(),
            due_at: "2027-03-29 09:00".into(),
            remind_before: "1440".into(),
            repeat_days: "2".into(),
            ..Default::default()
        };
        let created = s.create_task(&m, &input.validate(berlin).unwrap()).unwrap();
        let fire = created.remind_at.unwrap();
        // A day before, across the change: 28 March 09:00 CEST is 07:00 UTC; the 27th would
        // be 08:00 UTC. The reminder is exactly 24 hours before the deadline.
        assert_eq!(fire.to_rfc3339(), "2027-03-28T07:00:00+00:00");
        assert_eq!(drain(s, "w", fire - Duration::seconds(1)), 0);
        assert_eq!(drain(s, "w", fire), 1);
        assert_eq!(unread(s, &m), 1);
        let n = s.notifications(&m, None, 1).unwrap().remove(0);
        assert_eq!(n.args["due"], "2027-03-29 09:00");
        // Done: the next occurrence keeps 09:00 Berlin time.
        let (_, next) = s.complete_task(&m, created.id, false).unwrap();
        let next = next.unwrap();
        assert_eq!(
            berlin.local(next.due_at.unwrap()).to_string(),
            "2027-03-31 09:00:00"
        );
        let (_, none) = s.complete_task(&m, next.id, true).unwrap();
        assert!(none.is_none());
    }
}

#[test]
fn birthdays_are_announced_once_on_the_morning_of_the_day() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        s.set_time_zone(&m, m.user_id().unwrap(), "Asia/Tokyo")
            .unwrap();
        let input = ContactInput {
            name: "Yuki".into(),
            birthday: Some("1990-12-05".into()),
            ..Default::default()
        };
        s.create_contact(&m, &input.validate(ru()).unwrap())
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        // 08:30 in Tokyo (23:30 UTC the day before): too early.
        let early = Zone::parse("Asia/Tokyo")
            .unwrap()
            .to_utc(day.and_hms_opt(8, 30, 0).unwrap());
        s.enqueue(&Job::Birthdays, early, None).unwrap();
        drain(s, "w", early);
        assert_eq!(unread(s, &m), 0);
        // 09:00 and again 10:00: one notice.
        for h in [9, 10] {
            let at = Zone::parse("Asia/Tokyo")
                .unwrap()
                .to_utc(day.and_hms_opt(h, 0, 0).unwrap());
            s.enqueue(&Job::Birthdays, at, None).unwrap();
            drain(s, "w", at);
        }
        assert_eq!(unread(s, &m), 1);
        assert_eq!(
            s.notifications(&m, None, 1).unwrap()[0].args["name"],
            "Yuki"
        );
        // Periodic jobs are keyed per hour: scheduling twice queues once.
        let now = Utc::now();
        let first = s.schedule_periodic(now).unwrap();
        assert_eq!(first, 3);
        assert_eq!(s.schedule_periodic(now).unwrap(), 0);
    }
}

#[test]
fn a_worker_killed_mid_job_loses_nothing_and_doubles_nothing() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let due = Utc::now() + Duration::hours(1);
        s.create_task(
            &m,
            &task("Call", Some(due), Some(0))
                .validate(Zone::UTC)
                .unwrap(),
        )
        .unwrap();
        // Worker A claims the due jobs and dies without finishing.
        let at = due + Duration::seconds(1);
        let held = s.claim_jobs("a", 10, at).unwrap();
        assert_eq!(held.len(), 2);
        // While A's lease lasts, B gets nothing.
        assert!(s.claim_jobs("b", 10, at).unwrap().is_empty());
        // After the lease, B takes them over and runs them.
        let later = at + Duration::seconds(crm_core::job::LEASE_SECONDS + 1);
        let taken = s.claim_jobs("b", 10, later).unwrap();
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|j| j.attempts == 2));
        for j in &taken {
            assert_eq!(s.finish_job("b", j, later).unwrap(), JobOutcome::Done);
        }
        // A comes back to life: its results are refused.
        for j in &held {
            assert_eq!(s.finish_job("a", j, later).unwrap(), JobOutcome::Lost);
        }
        // Reminder at the deadline + overdue alert: two notices, once each.
        assert_eq!(unread(s, &m), 2);
        assert_eq!(s.queue_counts().unwrap().pending, 0);
    }
}

#[test]
fn two_nodes_run_every_due_job_exactly_once() {
    for t in TestStore::each() {
        let nodes: Vec<Store> = (0..2)
            .map(|_| {
                Store::open(&DbConfig {
                    url: t.url.clone(),
                    pool_size: 4,
                })
                .unwrap()
            })
            .collect();
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let due = Utc::now() + Duration::hours(1);
        const TASKS: usize = 150;
        for i in 0..TASKS {
            s.create_task(
                &m,
                &task(&format!("T{i}"), Some(due), Some(5))
                    .validate(Zone::UTC)
                    .unwrap(),
            )
            .unwrap();
        }
        // The reminders (5 minutes before) fall due; the overdue alerts do not yet.
        let at = due - Duration::minutes(1);
        let start = Arc::new(Barrier::new(2));
        let handles: Vec<_> = nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| {
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    let me = format!("node{i}");
                    let mut ran = 0;
                    loop {
                        let claimed = node.claim_jobs(&me, 7, at).unwrap();
                        if claimed.is_empty() {
                            return ran;
                        }
                        for j in &claimed {
                            assert_eq!(node.finish_job(&me, j, at).unwrap(), JobOutcome::Done);
                            ran += 1;
                        }
                    }
                })
            })
            .collect();
        let ran: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            ran.iter().sum::<usize>(),
            TASKS,
            "{}: {ran:?}",
            t.backend_name()
        );
        assert_eq!(unread(s, &m), TASKS as i64);
        let counts = s.queue_counts().unwrap();
        assert_eq!((counts.pending, counts.done), (TASKS as i64, TASKS as i64));
    }
}

#[test]
fn deals_and_leads_assigned_to_someone_else_notify_them() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let d = DealInput {
            title: "Big one".into(),
            amount: "5".into(),
            responsible_id: m.user_id(),
            expected_close: Some((Utc::now().date_naive() - Duration::days(2)).to_string()),
            ..Default::default()
        };
        let deal = s
            .create_deal(&admin, &d.validate(Currency::USD).unwrap())
            .unwrap();
        assert_eq!(unread(s, &m), 1);
        // The deal's expected close passed two days ago: one notice however often the scan runs.
        for _ in 0..2 {
            s.enqueue(&Job::DealsPastClose, Utc::now(), None).unwrap();
            drain(s, "w", Utc::now());
        }
        assert_eq!(unread(s, &m), 2);
        let n = s.notifications(&m, None, 5).unwrap();
        assert_eq!(n[0].kind, "deal_past_close");
        assert_eq!(n[1].kind, "deal_assigned");
        assert_eq!(n[1].link, format!("/deals/{}", deal.id));
        // A manager's own deals tell nobody.
        s.create_deal(
            &m,
            &DealInput {
                title: "Mine".into(),
                amount: "1".into(),
                ..Default::default()
            }
            .validate(Currency::USD)
            .unwrap(),
        )
        .unwrap();
        assert_eq!(unread(s, &m), 2);
    }
}

#[test]
fn a_failing_job_in_a_batch_is_rolled_back_alone() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let due = Utc::now() + Duration::hours(1);
        for i in 0..3 {
            s.create_task(
                &m,
                &task(&format!("T{i}"), Some(due), Some(10))
                    .validate(Zone::UTC)
                    .unwrap(),
            )
            .unwrap();
        }
        let at = due - Duration::minutes(5);
        let mut claimed = s.claim_jobs("w", 10, at).unwrap();
        assert_eq!(claimed.len(), 3);
        claimed[1].job = Err("unreadable".into());
        let outcomes = s.finish_jobs("w", &claimed, at).unwrap();
        assert_eq!(outcomes[0], JobOutcome::Done);
        assert!(matches!(
            &outcomes[1],
            JobOutcome::Failed { given_up: true, .. }
        ));
        assert_eq!(outcomes[2], JobOutcome::Done);
        assert_eq!(unread(s, &m), 2);
        let q = s.queue_counts().unwrap();
        assert_eq!(q.given_up, 1, "{}", t.backend_name());
    }
}

#[test]
fn task_lists_page_by_id_within_what_the_reader_may_see() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let head = user(s, "head@example.com", Role::Manager);
        let m = user(s, "m@example.com", Role::Manager);
        let other = user(s, "other@example.com", Role::Manager);
        let dept = s.save_department(&admin, "Sales", head.user_id()).unwrap();
        let mid = m.user_id().unwrap();
        s.set_user_department(&admin, mid, Some(dept.id)).unwrap();
        // Seven tasks for m, written by three people; every third one done.
        let mut by_other = Vec::new();
        let mut all = Vec::new();
        for i in 0..7 {
            let author = [&head, &other, &m][i % 3];
            let mut input = task(&format!("Task {i}"), None, None);
            input.assignee_id = mid.to_string();
            let id = s
                .create_task(author, &input.validate(Zone::UTC).unwrap())
                .unwrap()
                .id;
            if i % 3 == 2 || i == 4 {
                s.complete_task(&admin, id, false).unwrap();
            }
            let done = i % 3 == 2 || i == 4;
            all.push((id, done));
            if std::ptr::eq(author, &other) {
                by_other.push((id, done));
            }
        }
        let ids = |v: &[(i64, bool)], done: bool| -> Vec<i64> {
            v.iter().filter(|t| t.1 == done).map(|t| t.0).collect()
        };
        // Pages of two by `after`, joined, and one page of all.
        let listed = |reader: &Actor, done: bool| -> Vec<i64> {
            let whole: Vec<i64> = s
                .list_tasks(reader, mid, done, None, 100)
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect();
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = s.list_tasks(reader, mid, done, after, 2).unwrap();
                paged.extend(page.iter().map(|t| t.id));
                if page.len() < 2 {
                    break;
                }
                after = page.last().map(|t| t.id);
            }
            assert_eq!(paged, whole, "paging by id repeats or skips nothing");
            whole
        };
        for done in [false, true] {
            for reader in [&admin, &head, &m] {
                assert_eq!(listed(reader, done), ids(&all, done), "done {done}");
            }
            // Another manager sees only the tasks they wrote for m.
            assert_eq!(listed(&other, done), ids(&by_other, done), "done {done}");
        }
        assert_eq!(ids(&by_other, false).len(), 1);
        assert_eq!(ids(&by_other, true).len(), 1);
    }
}
