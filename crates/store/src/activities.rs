//! Timelines: activities logged on cards, the system's events, and files attached to them.
//! Each row names its home card and is copied onto the cards above it, so that a company's
//! timeline — its own, its contacts' and its deals' activities — is one index range.

use chrono::{DateTime, NaiveDateTime, Utc};
use crm_core::{
    Action, Activity, ActivityDraft, ActivityKind, Actor, Attachment, CardRef, Direction, Error,
    ObjectKind, Timeline,
};
use diesel::prelude::*;

use crate::cards::{self, Links};
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::schema::{activities, attachments, contacts, deals, users};
use crate::scope::visible;

/// A file's metadata once its bytes are safely on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
}

fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    card: CardRef,
    links: Links,
    draft: &ActivityDraft,
    event: (&str, &serde_json::Value),
) -> StoreResult<i64> {
    let (contact_id, company_id, deal_id, lead_id) = links;
    Ok(diesel::insert_into(activities::table)
        .values((
            activities::kind.eq(draft.kind.as_str()),
            activities::occurred_at.eq(draft.occurred_at.naive_utc()),
            activities::ends_at.eq(draft.ends_at.map(|t| t.naive_utc())),
            activities::direction.eq(draft.direction.map(|d| d.as_str()).unwrap_or("")),
            activities::duration_s.eq(draft.duration_s),
            activities::result.eq(&draft.result),
            activities::recording_url.eq(&draft.recording_url),
            activities::subject.eq(&draft.subject),
            activities::body.eq(&draft.body),
            activities::event.eq(event.0),
            activities::data.eq(event.1.to_string()),
            activities::home.eq(card.kind()),
            activities::contact_id.eq(contact_id),
            activities::company_id.eq(company_id),
            activities::deal_id.eq(deal_id),
            activities::lead_id.eq(lead_id),
            activities::author_id.eq(actor.user_id()),
            activities::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(activities::id)
        .get_result(conn)?)
}

/// Records a system event on a card's timeline, in the caller's transaction.
pub(crate) fn event(
    conn: &mut DbConn,
    actor: &Actor,
    card: CardRef,
    event: &str,
    data: serde_json::Value,
) -> StoreResult<()> {
    let links = cards::links(conn, card)?;
    let now = Utc::now();
    let draft = ActivityDraft {
        kind: ActivityKind::Event,
        occurred_at: now,
        ends_at: None,
        direction: None,
        duration_s: None,
        result: String::new(),
        recording_url: String::new(),
        subject: String::new(),
        body: String::new(),
    };
    insert(conn, actor, card, links, &draft, (event, &data))?;
    Ok(())
}

/// A user's name for event texts ("responsible changed from Ann to Bob").
pub(crate) fn user_name(conn: &mut DbConn, id: Option<i64>) -> StoreResult<Option<String>> {
    match id {
        None => Ok(None),
        Some(id) => Ok(users::table
            .find(id)
            .select(users::name)
            .first(conn)
            .optional()?),
    }
}

/// An activity row as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = activities)]
struct ActivityRecord {
    id: i64,
    kind: String,
    occurred_at: NaiveDateTime,
    ends_at: Option<NaiveDateTime>,
    direction: String,
    duration_s: Option<i32>,
    result: String,
    recording_url: String,
    subject: String,
    body: String,
    event: String,
    data: String,
    home: String,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    deal_id: Option<i64>,
    lead_id: Option<i64>,
    author_id: Option<i64>,
    created_at: NaiveDateTime,
}

/// The row and its author's name.
type Row = (ActivityRecord, Option<String>);

fn columns() -> (
    diesel::helper_types::AsSelect<ActivityRecord, crate::conn::Db>,
    diesel::dsl::Nullable<users::name>,
) {
    (ActivityRecord::as_select(), users::name.nullable())
}

fn to_activity(row: Row) -> StoreResult<Activity> {
    let (r, author_name) = row;
    let bad = |what: &str| StoreError::Config(format!("activity {} has a bad {what}", r.id));
    let kind = ActivityKind::parse(&r.kind).ok_or_else(|| bad("kind"))?;
    let home_id = match r.home.as_str() {
        "contact" => r.contact_id,
        "company" => r.company_id,
        "deal" => r.deal_id,
        _ => r.lead_id,
    };
    // A home card that was deleted leaves the entry on the cards above it.
    let home = home_id
        .and_then(|id| CardRef::parse(&r.home, id))
        .or(r.deal_id.map(CardRef::Deal))
        .or(r.contact_id.map(CardRef::Contact))
        .or(r.company_id.map(CardRef::Company))
        .or(r.lead_id.map(CardRef::Lead))
        .ok_or_else(|| bad("card"))?;
    let data = match serde_json::from_str(&r.data) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Ok(Activity {
        id: r.id,
        kind,
        occurred_at: r.occurred_at.and_utc(),
        ends_at: r.ends_at.map(|t| t.and_utc()),
        direction: Direction::parse(&r.direction),
        duration_s: r.duration_s,
        result: r.result,
        recording_url: r.recording_url,
        subject: r.subject,
        body: r.body,
        event: r.event,
        data,
        home,
        contact_id: r.contact_id,
        company_id: r.company_id,
        deal_id: r.deal_id,
        lead_id: r.lead_id,
        author_id: r.author_id,
        author_name,
        attachments: Vec::new(),
        created_at: r.created_at.and_utc(),
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = attachments)]
struct AttachmentRecord {
    id: i64,
    activity_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_key: String,
    created_at: NaiveDateTime,
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Attachment {
        Attachment {
            id: r.id,
            activity_id: r.activity_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            storage_key: r.storage_key,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Fills in each activity's files.
fn with_attachments(conn: &mut DbConn, items: &mut [Activity]) -> StoreResult<()> {
    let ids: Vec<i64> = items
        .iter()
        .filter(|a| a.kind != ActivityKind::Event)
        .map(|a| a.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let files: Vec<AttachmentRecord> = attachments::table
        .filter(attachments::activity_id.eq_any(&ids))
        .order(attachments::id)
        .select(AttachmentRecord::as_select())
        .load(conn)?;
    for f in files {
        if let Some(a) = items.iter_mut().find(|a| a.id == f.activity_id) {
            a.attachments.push(f.into());
        }
    }
    Ok(())
}

fn load(conn: &mut DbConn, id: i64) -> StoreResult<Activity> {
    let row: Row = activities::table
        .left_join(users::table.on(users::id.nullable().eq(activities::author_id)))
        .filter(activities::id.eq(id))
        .select(columns())
        .first(conn)?;
    let mut items = vec![to_activity(row)?];
    with_attachments(conn, &mut items)?;
    Ok(items.remove(0))
}

/// Loads an activity the actor may see (through its home card).
fn visible_activity(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Activity> {
    let a = load(conn, id)?;
    cards::check(conn, actor, a.home, Action::View)?;
    Ok(a)
}

/// Whether the actor may remove an activity: its author or an administrator; never an event.
fn may_delete(actor: &Actor, a: &Activity) -> bool {
    a.kind != ActivityKind::Event
        && (actor.is_admin() || (a.author_id.is_some() && a.author_id == actor.user_id()))
}

impl Store {
    /// Logs a call, meeting, note or e-mail on a card the actor may see.
    pub fn log_activity(
        &self,
        actor: &Actor,
        card: CardRef,
        draft: &ActivityDraft,
    ) -> StoreResult<Activity> {
        self.write(|conn| {
            cards::check(conn, actor, card, Action::View)?;
            let links = cards::links(conn, card)?;
            let id = insert(
                conn,
                actor,
                card,
                links,
                draft,
                ("", &serde_json::json!({})),
            )?;
            load(conn, id)
        })
    }

    /// A card's name, if the actor may see the card.
    pub fn card_label(&self, actor: &Actor, card: CardRef) -> StoreResult<crm_core::CardLabel> {
        self.read(|conn| {
            cards::check(conn, actor, card, Action::View)?;
            let title = cards::title(conn, card)?.ok_or(Error::NotFound)?;
            Ok(crm_core::CardLabel { card, title })
        })
    }

    pub fn activity(&self, actor: &Actor, id: i64) -> StoreResult<Activity> {
        self.read(|conn| visible_activity(conn, actor, id))
    }

    pub fn may_delete_activity(&self, actor: &Actor, a: &Activity) -> bool {
        may_delete(actor, a)
    }

    /// Removes an activity and its files' records; returns the files' storage keys so that
    /// the caller removes the bytes once the transaction has committed.
    pub fn delete_activity(&self, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        self.write(|conn| {
            let a = visible_activity(conn, actor, id)?;
            if !may_delete(actor, &a) {
                return Err(Error::Forbidden.into());
            }
            diesel::delete(activities::table.find(id)).execute(conn)?;
            Ok(a.attachments.into_iter().map(|f| f.storage_key).collect())
        })
    }

    /// A page of a card's timeline, newest first; `before` is the previous page's `next`.
    pub fn timeline(
        &self,
        actor: &Actor,
        card: CardRef,
        kind: Option<ActivityKind>,
        before: Option<(DateTime<Utc>, i64)>,
        limit: usize,
    ) -> StoreResult<Timeline> {
        self.read(|conn| {
            cards::check(conn, actor, card, Action::View)?;
            let mut q = activities::table
                .left_join(users::table.on(users::id.nullable().eq(activities::author_id)))
                .select(columns())
                .into_boxed();
            q = match card {
                CardRef::Contact(id) => q.filter(activities::contact_id.eq(id)),
                CardRef::Company(id) => q.filter(activities::company_id.eq(id)),
                CardRef::Deal(id) => q.filter(activities::deal_id.eq(id)),
                CardRef::Lead(id) => q.filter(activities::lead_id.eq(id)),
            };
            if let Some(k) = kind {
                q = q.filter(activities::kind.eq(k.as_str()));
            }
            if let Some((t, id)) = before {
                let t = t.naive_utc();
                q = q.filter(
                    activities::occurred_at
                        .lt(t)
                        .or(activities::occurred_at.eq(t).and(activities::id.lt(id))),
                );
            }
            // Entries copied up from cards below show only when the actor may see those too.
            if !actor.is_admin() && !matches!(card, CardRef::Deal(_) | CardRef::Lead(_)) {
                let deal_seen = diesel::dsl::exists(
                    deals::table
                        .filter(deals::id.nullable().eq(activities::deal_id))
                        .filter(visible!(deals, actor, ObjectKind::Deal)),
                );
                q = q.filter(activities::deal_id.is_null().or(deal_seen));
                if let CardRef::Company(_) = card {
                    let contact_seen = diesel::dsl::exists(
                        contacts::table
                            .filter(contacts::id.nullable().eq(activities::contact_id))
                            .filter(visible!(contacts, actor, ObjectKind::Contact)),
                    );
                    q = q.filter(activities::contact_id.is_null().or(contact_seen));
                }
            }
            let rows: Vec<Row> = q
                .order((activities::occurred_at.desc(), activities::id.desc()))
                .limit(limit as i64 + 1)
                .load(conn)?;
            let mut items = rows
                .into_iter()
                .map(to_activity)
                .collect::<StoreResult<Vec<_>>>()?;
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|a| (a.occurred_at, a.id))
            } else {
                None
            };
            with_attachments(conn, &mut items)?;
            Ok(Timeline { items, next })
        })
    }

    /// Files attached to an existing activity of a card, or (without `activity_id`) to a new
    /// "file" entry with `note` as its text. The bytes are already stored under their keys.
    pub fn attach_files(
        &self,
        actor: &Actor,
        card: CardRef,
        activity_id: Option<i64>,
        note: &str,
        files: &[NewAttachment],
    ) -> StoreResult<Activity> {
        self.write(|conn| {
            cards::check(conn, actor, card, Action::View)?;
            let id = match activity_id {
                Some(id) => {
                    let a = visible_activity(conn, actor, id)?;
                    if a.home != card || a.kind == ActivityKind::Event {
                        return Err(Error::NotFound.into());
                    }
                    id
                }
                None => {
                    let links = cards::links(conn, card)?;
                    let draft = ActivityDraft {
                        kind: ActivityKind::File,
                        occurred_at: Utc::now(),
                        ends_at: None,
                        direction: None,
                        duration_s: None,
                        result: String::new(),
                        recording_url: String::new(),
                        subject: String::new(),
                        body: note.to_string(),
                    };
                    insert(
                        conn,
                        actor,
                        card,
                        links,
                        &draft,
                        ("", &serde_json::json!({})),
                    )?
                }
            };
            let now = Utc::now().naive_utc();
            for f in files {
                diesel::insert_into(attachments::table)
                    .values((
                        attachments::activity_id.eq(id),
                        attachments::file_name.eq(&f.file_name),
                        attachments::content_type.eq(&f.content_type),
                        attachments::size.eq(f.size),
                        attachments::sha256.eq(&f.sha256),
                        attachments::storage_key.eq(&f.storage_key),
                        attachments::uploaded_by.eq(actor.user_id()),
                        attachments::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            load(conn, id)
        })
    }

    /// An attachment the actor may see (through its activity's card).
    pub fn attachment(&self, actor: &Actor, id: i64) -> StoreResult<Attachment> {
        self.read(|conn| {
            let r: AttachmentRecord = attachments::table
                .find(id)
                .select(AttachmentRecord::as_select())
                .first(conn)?;
            visible_activity(conn, actor, r.activity_id)?;
            Ok(r.into())
        })
    }

    /// Every storage key in use, so that stray files (from a crash between writing a file and
    /// committing its record) can be found.
    pub fn attachment_keys(&self) -> StoreResult<Vec<String>> {
        self.read(|conn| {
            Ok(attachments::table
                .select(attachments::storage_key)
                .load(conn)?)
        })
    }

    /// The actor's (or a colleague's) meetings in a time range, for the calendar.
    pub fn meetings(
        &self,
        actor: &Actor,
        authors: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>> {
        self.read(|conn| {
            let rows: Vec<Row> = activities::table
                .left_join(users::table.on(users::id.nullable().eq(activities::author_id)))
                .filter(activities::author_id.eq_any(authors))
                .filter(activities::kind.eq(ActivityKind::Meeting.as_str()))
                .filter(activities::occurred_at.ge(from.naive_utc()))
                .filter(activities::occurred_at.lt(to.naive_utc()))
                .order(activities::occurred_at)
                .limit(1000)
                .select(columns())
                .load(conn)?;
            // Many meetings share a client: each card's access is checked once.
            let mut seen: std::collections::HashMap<CardRef, bool> = Default::default();
            let mut out = Vec::new();
            for row in rows {
                let a = to_activity(row)?;
                let visible = match seen.get(&a.home) {
                    Some(&v) => v,
                    None => {
                        let v = cards::check(conn, actor, a.home, Action::View).is_ok();
                        seen.insert(a.home, v);
                        v
                    }
                };
                if visible {
                    out.push(a);
                }
            }
            Ok(out)
        })
    }

    /// Moves a meeting to a new start, keeping its length; only its author or an admin may.
    pub fn reschedule_meeting(
        &self,
        actor: &Actor,
        id: i64,
        start: DateTime<Utc>,
    ) -> StoreResult<Activity> {
        self.write(|conn| {
            let a = visible_activity(conn, actor, id)?;
            if a.kind != ActivityKind::Meeting {
                return Err(Error::NotFound.into());
            }
            if !may_delete(actor, &a) {
                return Err(Error::Forbidden.into());
            }
            let end = a.ends_at.map(|e| (start + (e - a.occurred_at)).naive_utc());
            diesel::update(activities::table.find(id))
                .set((
                    activities::occurred_at.eq(start.naive_utc()),
                    activities::ends_at.eq(end),
                ))
                .execute(conn)?;
            load(conn, id)
        })
    }
}

/// What saving a card puts on its timeline and in the bell: "created" for a new card (`before`
/// is `None`), "responsible changed" when the owner changed, and for deals and leads a notice
/// to a new responsible other than the actor.
pub(crate) fn card_saved(
    conn: &mut DbConn,
    actor: &Actor,
    card: CardRef,
    before: Option<Option<i64>>,
    after: Option<i64>,
    title: &str,
) -> StoreResult<()> {
    match before {
        None => event(conn, actor, card, "created", serde_json::json!({}))?,
        Some(b) if b != after => {
            let data = serde_json::json!({
                "from": user_name(conn, b)?,
                "to": user_name(conn, after)?,
            });
            event(conn, actor, card, "responsible_changed", data)?;
        }
        Some(_) => return Ok(()),
    }
    let kind = match card {
        CardRef::Deal(_) => crm_core::NoticeKind::DealAssigned,
        CardRef::Lead(_) => crm_core::NoticeKind::LeadAssigned,
        _ => return Ok(()),
    };
    if let Some(uid) = after.filter(|&u| Some(u) != actor.user_id()) {
        let by = user_name(conn, actor.user_id())?.unwrap_or_default();
        crate::notifications::notify(
            conn,
            &crm_core::Notice::new(uid, kind, card.path())
                .arg("title", title)
                .arg("by", by),
        )?;
    }
    Ok(())
}

/// Removes the activities that live on a card being deleted (entries copied onto it from
/// cards below stay with those); returns their files' storage keys, so that the caller
/// removes the bytes once the transaction has committed.
pub(crate) fn forget(conn: &mut DbConn, card: CardRef) -> StoreResult<Vec<String>> {
    // Read before the delete: the attachments' rows go with their activities (cascade).
    let files = attachments::table
        .inner_join(activities::table)
        .filter(activities::home.eq(card.kind()))
        .select(attachments::storage_key)
        .into_boxed();
    let keys: Vec<String> = match card {
        CardRef::Contact(id) => files.filter(activities::contact_id.eq(id)),
        CardRef::Company(id) => files.filter(activities::company_id.eq(id)),
        CardRef::Deal(id) => files.filter(activities::deal_id.eq(id)),
        CardRef::Lead(id) => files.filter(activities::lead_id.eq(id)),
    }
    .load(conn)?;
    let q = activities::table.filter(activities::home.eq(card.kind()));
    match card {
        CardRef::Contact(id) => {
            diesel::delete(q.filter(activities::contact_id.eq(id))).execute(conn)?
        }
        CardRef::Company(id) => {
            diesel::delete(q.filter(activities::company_id.eq(id))).execute(conn)?
        }
        CardRef::Deal(id) => diesel::delete(q.filter(activities::deal_id.eq(id))).execute(conn)?,
        CardRef::Lead(id) => diesel::delete(q.filter(activities::lead_id.eq(id))).execute(conn)?,
    };
    Ok(keys)
}
