#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! API tokens (scope, revocation, last use) and idempotency keys, on SQLite and (with
//! CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use chrono::{Duration, Utc};
use crm_core::{Actor, Error, Job, Role, TokenScope, UserDraft};
use crm_store::testing::TestStore;
use crm_store::{IdempotencyStart, Store, StoredAnswer};

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn answer(body: &str) -> StoredAnswer {
    StoredAnswer {
        status: 201,
        content_type: "application/json".into(),
        body: body.into(),
    }
}

#[test]
fn tokens_have_scopes_and_can_be_revoked() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let m1 = user(s, "m1@example.com", Role::Manager);
        let m2 = user(s, "m2@example.com", Role::Manager);
        let u1 = m1.user_id().unwrap();

        let id = s
            .create_scoped_api_token(&m1, u1, " reports ", "h-read", TokenScope::Read)
            .unwrap();
        let auth = s.api_token("h-read").unwrap().unwrap();
        assert_eq!(
            (auth.id, auth.user.id, auth.scope),
            (id, u1, TokenScope::Read)
        );
        assert_eq!(auth.last_used_at, None);
        // Tokens made the old way can write, as they always could.
        s.create_api_token(u1, "legacy", "h-legacy").unwrap();
        assert_eq!(
            s.api_token("h-legacy").unwrap().unwrap().scope,
            TokenScope::Write
        );
        // Nobody makes tokens for someone else but an admin.
        assert!(matches!(
            s.create_scoped_api_token(&m2, u1, "x", "h-x", TokenScope::Write)
                .unwrap_err()
                .domain(),
            Some(Error::Forbidden)
        ));
        assert!(
            s.create_scoped_api_token(&m1, u1, "  ", "h-y", TokenScope::Write)
                .is_err()
        );

        // A use is written down once a minute at most.
        let now = Utc::now();
        s.touch_api_token(id, now).unwrap();
        s.touch_api_token(id, now + Duration::seconds(30)).unwrap();
        let seen = s
            .api_token("h-read")
            .unwrap()
            .unwrap()
            .last_used_at
            .unwrap();
        assert_eq!(seen.timestamp(), now.timestamp());
        s.touch_api_token(id, now + Duration::seconds(61)).unwrap();
        let seen = s
            .api_token("h-read")
            .unwrap()
            .unwrap()
            .last_used_at
            .unwrap();
        assert_eq!(seen.timestamp(), now.timestamp() + 61);

        let mine = s.api_tokens(&m1, Some(u1)).unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[1].name, "reports");
        assert!(s.api_tokens(&m2, Some(u1)).is_err(), "not another's list");
        assert!(s.api_tokens(&m1, None).is_err(), "everyone's: admins only");
        assert_eq!(s.api_tokens(&admin, None).unwrap().len(), 2);

        // Another manager cannot even see it to revoke it; the owner and admins can.
        assert!(matches!(
            s.revoke_api_token(&m2, id).unwrap_err().domain(),
            Some(Error::NotFound)
        ));
        let revoked = s.revoke_api_token(&m1, id).unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(s.api_token("h-read").unwrap().is_none());
        assert!(s.api_token_user("h-read").unwrap().is_none());
        let again = s.revoke_api_token(&Actor::system(), id).unwrap();
        assert_eq!(again.revoked_at, revoked.revoked_at, "the first time stays");
        assert_eq!(
            s.audit_entries(&admin, "api_token", id).unwrap().len(),
            2,
            "created and revoked, on record"
        );
    }
}

#[test]
fn idempotency_keys_replay_refuse_and_expire() {
    for t in TestStore::each() {
        let s = &t.store;
        let m1 = user(s, "m1@example.com", Role::Manager).user_id().unwrap();
        let m2 = user(s, "m2@example.com", Role::Manager).user_id().unwrap();
        let now = Utc::now();

        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-a", now).unwrap(),
            IdempotencyStart::Run
        );
        // While the first request runs, a second one waits its turn.
        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-a", now).unwrap(),
            IdempotencyStart::InProgress
        );
        // Keys are per user.
        assert_eq!(
            s.begin_idempotent(m2, "k1", "hash-b", now).unwrap(),
            IdempotencyStart::Run
        );
        s.finish_idempotent(m1, "k1", &answer("{\"id\":1}"))
            .unwrap();
        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-a", now).unwrap(),
            IdempotencyStart::Replay(answer("{\"id\":1}"))
        );
        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-other", now).unwrap(),
            IdempotencyStart::Mismatch
        );

        // A failed request leaves nothing behind: the retry runs.
        assert_eq!(
            s.begin_idempotent(m1, "k2", "hash-c", now).unwrap(),
            IdempotencyStart::Run
        );
        s.abandon_idempotent(m1, "k2").unwrap();
        assert_eq!(
            s.begin_idempotent(m1, "k2", "hash-c", now).unwrap(),
            IdempotencyStart::Run
        );
        // A run whose server died is taken over after a while.
        assert_eq!(
            s.begin_idempotent(m1, "k2", "hash-c", now + Duration::minutes(11))
                .unwrap(),
            IdempotencyStart::Run
        );

        // After a day a key is new again, and the daily clean-up drops old keys.
        assert_eq!(s.purge_idempotency(now).unwrap(), 0);
        let later = now + Duration::hours(25);
        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-z", later).unwrap(),
            IdempotencyStart::Run
        );
        // Left: m2's k1 (made at `now`) and m1's k2 (now + 11 min).
        assert_eq!(s.purge_idempotency(later).unwrap(), 2);
        assert_eq!(
            s.begin_idempotent(m1, "k1", "hash-z", later).unwrap(),
            IdempotencyStart::InProgress,
            "the fresh key stays"
        );
        // The daily job does the same.
        s.begin_idempotent(m2, "k9", "hash-q", now).unwrap();
        s.enqueue(&Job::PurgeJobs, now, None).unwrap();
        let claimed = s.claim_jobs("test", 10, later).unwrap();
        assert_eq!(claimed.len(), 1);
        s.finish_job("test", &claimed[0], later).unwrap();
        assert_eq!(s.purge_idempotency(later).unwrap(), 0);
    }
}
