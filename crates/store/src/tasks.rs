//! Tasks, their comments, and the jobs that remind of them. Who sees a task is
//! `Task::visible_to` in core; lists apply the same rule as a filter (`Visible`), so cards,
//! lists, the calendar and the API agree.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use crm_core::{
    Action, Actor, CardRef, Error, Job, Notice, NoticeKind, Task, TaskComment, TaskDraft,
    TaskOwner, TaskSections, Zone,
};
use diesel::prelude::*;

use crate::cards;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::jobs::enqueue;
use crate::notifications::notify;
use crate::schema::{department_members, departments, task_comments, tasks, users};
use crate::users::check_responsible;

#[derive(Queryable, Selectable)]
#[diesel(table_name = tasks)]
struct TaskRecord {
    id: i64,
    title: String,
    description: String,
    assignee_id: Option<i64>,
    author_id: Option<i64>,
    due_at: Option<NaiveDateTime>,
    remind_before_min: Option<i32>,
    remind_at: Option<NaiveDateTime>,
    repeat_days: Option<i32>,
    repeat_until: Option<NaiveDate>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    deal_id: Option<i64>,
    lead_id: Option<i64>,
    done_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Turns rows into tasks with their people's and cards' names, in a few queries.
fn to_tasks(conn: &mut DbConn, rows: Vec<TaskRecord>) -> StoreResult<Vec<Task>> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.assignee_id, r.author_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let links: Vec<cards::Links> = rows
        .iter()
        .map(|r| (r.contact_id, r.company_id, r.deal_id, r.lead_id))
        .collect();
    let labels = cards::labels(conn, &links)?;
    let name = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
    Ok(rows
        .into_iter()
        .zip(labels)
        .map(|(r, card)| Task {
            id: r.id,
            title: r.title,
            description: r.description,
            assignee_name: name(r.assignee_id),
            assignee_id: r.assignee_id,
            author_name: name(r.author_id),
            author_id: r.author_id,
            due_at: r.due_at.map(|t| t.and_utc()),
            remind_before_min: r.remind_before_min,
            remind_at: r.remind_at.map(|t| t.and_utc()),
            repeat_days: r.repeat_days,
            repeat_until: r.repeat_until,
            card,
            done_at: r.done_at.map(|t| t.and_utc()),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
        .collect())
}

/// A comment with its author's name.
type CommentRow = (i64, Option<i64>, Option<String>, String, NaiveDateTime);

fn load(conn: &mut DbConn, id: i64) -> StoreResult<Task> {
    let row: TaskRecord = tasks::table
        .find(id)
        .select(TaskRecord::as_select())
        .first(conn)?;
    let mut v = to_tasks(conn, vec![row])?;
    Ok(v.remove(0))
}

/// The users in the departments `head` heads (the head's own people).
pub(crate) fn people_of(conn: &mut DbConn, head: i64) -> StoreResult<Vec<i64>> {
    Ok(department_members::table
        .inner_join(departments::table)
        .filter(departments::head_id.eq(head))
        .select(department_members::user_id)
        .load(conn)?)
}

/// The heads of the departments `user` belongs to (other than the user).
pub(crate) fn heads_of(conn: &mut DbConn, user: i64) -> StoreResult<Vec<i64>> {
    let heads: Vec<Option<i64>> = department_members::table
        .inner_join(departments::table)
        .filter(department_members::user_id.eq(user))
        .select(departments::head_id)
        .load(conn)?;
    Ok(heads.into_iter().flatten().filter(|&h| h != user).collect())
}

/// The user's time zone, or the installation's when they chose none.
pub(crate) fn zone_of(conn: &mut DbConn, user: Option<i64>, default: Zone) -> StoreResult<Zone> {
    let Some(user) = user else {
        return Ok(default);
    };
    let name: Option<String> = users::table
        .find(user)
        .select(users::time_zone)
        .first(conn)
        .optional()?;
    Ok(name.and_then(|n| Zone::parse(&n)).unwrap_or(default))
}

/// The people whose tasks the actor sees as their head (none needed for administrators).
fn people_of_actor(conn: &mut DbConn, actor: &Actor) -> StoreResult<Vec<i64>> {
    match actor.user_id() {
        Some(me) if !actor.is_admin() => people_of(conn, me),
        _ => Ok(Vec::new()),
    }
}

fn visible_task(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Task> {
    let task = load(conn, id)?;
    if task.visible_to(actor, &people_of_actor(conn, actor)?) {
        Ok(task)
    } else {
        Err(Error::NotFound.into())
    }
}

/// Queues the task's reminder and overdue alert. Each job checks when it runs that the task
/// still wants it, so a changed deadline needs no cancelling; keys stop a re-save from
/// queueing the same alert twice. Moments already past are not queued.
fn schedule(conn: &mut DbConn, task: &Task, now: DateTime<Utc>) -> StoreResult<()> {
    if task.done_at.is_some() {
        return Ok(());
    }
    if let Some(at) = task.remind_at.filter(|&t| t > now) {
        let ts = at.timestamp();
        enqueue(
            conn,
            &Job::TaskReminder {
                task_id: task.id,
                at: ts,
            },
            at,
            Some(&format!("task_reminder:{}:{ts}", task.id)),
        )?;
    }
    if let Some(due) = task.due_at.filter(|&t| t > now) {
        let ts = due.timestamp();
        enqueue(
            conn,
            &Job::TaskOverdue {
                task_id: task.id,
                due: ts,
            },
            due,
            Some(&format!("task_overdue:{}:{ts}", task.id)),
        )?;
    }
    Ok(())
}

fn assigned_notice(conn: &mut DbConn, actor: &Actor, task: &Task) -> StoreResult<()> {
    if let Some(assignee) = task.assignee_id
        && Some(assignee) != actor.user_id()
    {
        let by = crate::activities::user_name(conn, actor.user_id())?.unwrap_or_default();
        notify(
            conn,
            &Notice::new(
                assignee,
                NoticeKind::TaskAssigned,
                format!("/tasks/{}", task.id),
            )
            .arg("title", &task.title)
            .arg("by", by),
        )?;
    }
    Ok(())
}

/// Whole seconds: both backends then store and compare the same instant.
fn second(t: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    t.and_then(|t| t.with_nanosecond(0)).map(|t| t.naive_utc())
}

fn card_columns(card: Option<CardRef>) -> (Option<i64>, Option<i64>, Option<i64>, Option<i64>) {
    match card {
        Some(CardRef::Contact(id)) => (Some(id), None, None, None),
        Some(CardRef::Company(id)) => (None, Some(id), None, None),
        Some(CardRef::Deal(id)) => (None, None, Some(id), None),
        Some(CardRef::Lead(id)) => (None, None, None, Some(id)),
        None => (None, None, None, None),
    }
}

fn check_draft(conn: &mut DbConn, actor: &Actor, draft: &TaskDraft) -> StoreResult<Option<i64>> {
    let assignee = draft.assignee_id.or(actor.user_id());
    check_responsible(conn, assignee)
        .map_err(|_| Error::invalid("assignee_id", "error-assignee-inactive"))?;
    if let Some(card) = draft.card {
        cards::check(conn, actor, card, Action::View)
            .map_err(|_| Error::invalid("card_id", "error-card-invalid"))?;
    }
    Ok(assignee)
}

fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    draft: &TaskDraft,
    assignee: Option<i64>,
    author: Option<i64>,
) -> StoreResult<i64> {
    let now = Utc::now().naive_utc();
    let (contact, company, deal, lead) = card_columns(draft.card);
    let due = second(draft.due_at);
    let _ = actor;
    Ok(diesel::insert_into(tasks::table)
        .values((
            tasks::title.eq(&draft.title),
            tasks::description.eq(&draft.description),
            tasks::assignee_id.eq(assignee),
            tasks::author_id.eq(author),
            tasks::due_at.eq(due),
            tasks::remind_before_min.eq(draft.remind_before_min),
            tasks::remind_at.eq(second(draft.remind_at())),
            tasks::repeat_days.eq(draft.repeat_days),
            tasks::repeat_until.eq(draft.repeat_until),
            tasks::contact_id.eq(contact),
            tasks::company_id.eq(company),
            tasks::deal_id.eq(deal),
            tasks::lead_id.eq(lead),
            tasks::created_at.eq(now),
            tasks::updated_at.eq(now),
        ))
        .returning(tasks::id)
        .get_result(conn)?)
}

fn open_tasks(visible: &Visible) -> tasks::BoxedQuery<'static, crate::conn::Db> {
    let q = tasks::table.filter(tasks::done_at.is_null()).into_boxed();
    visible.filter(q)
}

/// The assignees whose tasks a query reads, split by whether the actor sees all their tasks
/// or only the ones the actor wrote.
struct Visible {
    full: Vec<i64>,
    authored_only: Vec<i64>,
    me: Option<i64>,
}

impl Visible {
    fn of(conn: &mut DbConn, actor: &Actor, assignees: &[i64]) -> StoreResult<Visible> {
        let me = actor.user_id();
        if actor.is_admin() {
            return Ok(Visible {
                full: assignees.to_vec(),
                authored_only: Vec::new(),
                me,
            });
        }
        let mut mine = me
            .map(|m| people_of(conn, m))
            .transpose()?
            .unwrap_or_default();
        mine.extend(me);
        let (full, authored_only) = assignees.iter().partition(|a| mine.contains(a));
        Ok(Visible {
            full,
            authored_only,
            me,
        })
    }

    fn filter(
        &self,
        q: tasks::BoxedQuery<'static, crate::conn::Db>,
    ) -> tasks::BoxedQuery<'static, crate::conn::Db> {
        let full = tasks::assignee_id.eq_any(self.full.clone());
        let authored = tasks::assignee_id
            .eq_any(self.authored_only.clone())
            .and(tasks::author_id.eq(self.me.unwrap_or(-1)));
        // An empty side is left out rather than written as an always-false term, which would
        // keep the planner from reading the assignee index for the other side.
        match (self.full.is_empty(), self.authored_only.is_empty()) {
            (_, true) => q.filter(full),
            (true, false) => q.filter(authored),
            (false, false) => q.filter(full.or(authored)),
        }
    }
}

impl Store {
    pub fn create_task(&self, actor: &Actor, draft: &TaskDraft) -> StoreResult<Task> {
        self.write(|conn| {
            let assignee = check_draft(conn, actor, draft)?;
            let id = insert(conn, actor, draft, assignee, actor.user_id())?;
            let task = load(conn, id)?;
            schedule(conn, &task, Utc::now())?;
            assigned_notice(conn, actor, &task)?;
            Ok(task)
        })
    }

    pub fn task(&self, actor: &Actor, id: i64) -> StoreResult<Task> {
        self.read(|conn| visible_task(conn, actor, id))
    }

    pub fn update_task(&self, actor: &Actor, id: i64, draft: &TaskDraft) -> StoreResult<Task> {
        self.write(|conn| {
            let old = visible_task(conn, actor, id)?;
            // An edit keeps the assignee unless one is named.
            let assignee = draft.assignee_id.or(old.assignee_id);
            let draft = TaskDraft {
                assignee_id: assignee,
                ..draft.clone()
            };
            check_draft(conn, actor, &draft)?;
            let (contact, company, deal, lead) = card_columns(draft.card);
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::title.eq(&draft.title),
                    tasks::description.eq(&draft.description),
                    tasks::assignee_id.eq(assignee),
                    tasks::due_at.eq(second(draft.due_at)),
                    tasks::remind_before_min.eq(draft.remind_before_min),
                    tasks::remind_at.eq(second(draft.remind_at())),
                    tasks::repeat_days.eq(draft.repeat_days),
                    tasks::repeat_until.eq(draft.repeat_until),
                    tasks::contact_id.eq(contact),
                    tasks::company_id.eq(company),
                    tasks::deal_id.eq(deal),
                    tasks::lead_id.eq(lead),
                    tasks::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let task = load(conn, id)?;
            schedule(conn, &task, Utc::now())?;
            if task.assignee_id != old.assignee_id {
                assigned_notice(conn, actor, &task)?;
            }
            Ok(task)
        })
    }

    /// Marks a task done. A repeating task gets its next occurrence (same clock time in the
    /// assignee's zone), unless `stop` ends the series or its last day has passed.
    pub fn complete_task(
        &self,
        actor: &Actor,
        id: i64,
        stop: bool,
    ) -> StoreResult<(Task, Option<Task>)> {
        self.write(|conn| {
            let task = visible_task(conn, actor, id)?;
            if task.done_at.is_some() {
                return Err(Error::Conflict("error-task-done").into());
            }
            let now = Utc::now();
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::done_at.eq(now.naive_utc()),
                    tasks::updated_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
            let zone = zone_of(conn, task.assignee_id, self.default_zone())?;
            let next = match task.next_due(zone).filter(|_| !stop) {
                Some(due) => {
                    let draft = TaskDraft {
                        title: task.title.clone(),
                        description: task.description.clone(),
                        assignee_id: task.assignee_id,
                        due_at: Some(due),
                        remind_before_min: task.remind_before_min,
                        repeat_days: task.repeat_days,
                        repeat_until: task.repeat_until,
                        card: task.card.as_ref().map(|c| c.card),
                    };
                    let nid = insert(conn, actor, &draft, task.assignee_id, task.author_id)?;
                    let next = load(conn, nid)?;
                    schedule(conn, &next, now)?;
                    Some(next)
                }
                None => None,
            };
            Ok((load(conn, id)?, next))
        })
    }

    pub fn reopen_task(&self, actor: &Actor, id: i64) -> StoreResult<Task> {
        self.write(|conn| {
            visible_task(conn, actor, id)?;
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::done_at.eq(None::<NaiveDateTime>),
                    tasks::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let task = load(conn, id)?;
            schedule(conn, &task, Utc::now())?;
            Ok(task)
        })
    }

    pub fn delete_task(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        self.write(|conn| {
            visible_task(conn, actor, id)?;
            diesel::delete(tasks::table.find(id)).execute(conn)?;
            Ok(())
        })
    }

    /// Moves a task's deadline (the calendar's drag), keeping its reminder offset.
    pub fn reschedule_task(&self, actor: &Actor, id: i64, due: DateTime<Utc>) -> StoreResult<Task> {
        self.write(|conn| {
            let t = visible_task(conn, actor, id)?;
            let remind = crm_core::task::remind_at(Some(due), t.remind_before_min);
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::due_at.eq(second(Some(due))),
                    tasks::remind_at.eq(second(remind)),
                    tasks::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let task = load(conn, id)?;
            schedule(conn, &task, Utc::now())?;
            Ok(task)
        })
    }

    pub fn task_comments(&self, actor: &Actor, id: i64) -> StoreResult<Vec<TaskComment>> {
        self.read(|conn| {
            visible_task(conn, actor, id)?;
            let rows: Vec<CommentRow> = task_comments::table
                .left_join(users::table.on(users::id.nullable().eq(task_comments::author_id)))
                .filter(task_comments::task_id.eq(id))
                .order(task_comments::id)
                .select((
                    task_comments::id,
                    task_comments::author_id,
                    users::name.nullable(),
                    task_comments::body,
                    task_comments::created_at,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(cid, author_id, author_name, body, at)| TaskComment {
                    id: cid,
                    task_id: id,
                    author_id,
                    author_name,
                    body,
                    created_at: at.and_utc(),
                })
                .collect())
        })
    }

    /// Adds a comment and tells the task's assignee and author (but not the commenter).
    pub fn add_task_comment(&self, actor: &Actor, id: i64, body: &str) -> StoreResult<()> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::invalid("body", "error-required").into());
        }
        if body.chars().count() > crm_core::party::MAX_NOTE_CHARS {
            return Err(Error::invalid("body", "error-too-long").into());
        }
        self.write(|conn| {
            let task = visible_task(conn, actor, id)?;
            diesel::insert_into(task_comments::table)
                .values((
                    task_comments::task_id.eq(id),
                    task_comments::author_id.eq(actor.user_id()),
                    task_comments::body.eq(body),
                    task_comments::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let by = crate::activities::user_name(conn, actor.user_id())?.unwrap_or_default();
            let mut told = Vec::new();
            for uid in [task.assignee_id, task.author_id].into_iter().flatten() {
                if Some(uid) != actor.user_id() && !told.contains(&uid) {
                    told.push(uid);
                    notify(
                        conn,
                        &Notice::new(uid, NoticeKind::TaskComment, format!("/tasks/{id}"))
                            .arg("title", &task.title)
                            .arg("by", &by),
                    )?;
                }
            }
            Ok(())
        })
    }

    /// The users whose tasks `owner` names: one user, or a head's people and the head.
    pub fn task_assignees(&self, owner: TaskOwner) -> StoreResult<Vec<i64>> {
        self.read(|conn| {
            Ok(match owner {
                TaskOwner::User(u) => vec![u],
                TaskOwner::DepartmentOf(head) => {
                    let mut people = people_of(conn, head)?;
                    if !people.contains(&head) {
                        people.push(head);
                    }
                    people
                }
            })
        })
    }

    /// Whether the user heads a department (and so may look at its tasks).
    pub fn is_head(&self, user: i64) -> StoreResult<bool> {
        self.read(|conn| {
            Ok(departments::table
                .filter(departments::head_id.eq(user))
                .count()
                .get_result::<i64>(conn)?
                > 0)
        })
    }

    /// Open tasks by section — overdue, today, upcoming, without deadline — in `zone`'s day,
    /// at most `limit` in each.
    pub fn task_sections(
        &self,
        actor: &Actor,
        owner: TaskOwner,
        zone: Zone,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<TaskSections> {
        let assignees = self.task_assignees(owner)?;
        self.read(|conn| {
            let visible = Visible::of(conn, actor, &assignees)?;
            let (_, end_of_day) = zone.day_range(zone.date_of(now));
            let (now_n, eod) = (now.naive_utc(), end_of_day.naive_utc());
            // One more than shown tells whether there are more.
            let limit = limit as i64 + 1;
            let overdue: Vec<TaskRecord> = open_tasks(&visible)
                .filter(tasks::due_at.lt(now_n))
                .order((tasks::due_at, tasks::id))
                .limit(limit)
                .select(TaskRecord::as_select())
                .load(conn)?;
            let today: Vec<TaskRecord> = open_tasks(&visible)
                .filter(tasks::due_at.ge(now_n))
                .filter(tasks::due_at.lt(eod))
                .order((tasks::due_at, tasks::id))
                .limit(limit)
                .select(TaskRecord::as_select())
                .load(conn)?;
            let upcoming: Vec<TaskRecord> = open_tasks(&visible)
                .filter(tasks::due_at.ge(eod))
                .order((tasks::due_at, tasks::id))
                .limit(limit)
                .select(TaskRecord::as_select())
                .load(conn)?;
            let undated: Vec<TaskRecord> = open_tasks(&visible)
                .filter(tasks::due_at.is_null())
                .order(tasks::id.desc())
                .limit(limit)
                .select(TaskRecord::as_select())
                .load(conn)?;
            let mut more = Vec::new();
            let mut cut = |name: &'static str, mut rows: Vec<TaskRecord>| {
                if rows.len() as i64 == limit {
                    rows.pop();
                    more.push(name);
                }
                rows
            };
            let (overdue, today) = (cut("overdue", overdue), cut("today", today));
            let (upcoming, undated) = (cut("upcoming", upcoming), cut("undated", undated));
            Ok(TaskSections {
                overdue: to_tasks(conn, overdue)?,
                today: to_tasks(conn, today)?,
                upcoming: to_tasks(conn, upcoming)?,
                undated: to_tasks(conn, undated)?,
                more,
            })
        })
    }

    /// Tasks of these assignees due in `[from, to)`, done or not, for the calendar.
    pub fn calendar_tasks(
        &self,
        actor: &Actor,
        assignees: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Task>> {
        self.read(|conn| {
            let visible = Visible::of(conn, actor, assignees)?;
            let rows: Vec<TaskRecord> = visible
                .filter(tasks::table.into_boxed())
                .filter(tasks::due_at.ge(from.naive_utc()))
                .filter(tasks::due_at.lt(to.naive_utc()))
                .order((tasks::due_at, tasks::id))
                .limit(1000)
                .select(TaskRecord::as_select())
                .load(conn)?;
            to_tasks(conn, rows)
        })
    }

    /// The open tasks on a card the actor may see (those the actor may see, by deadline).
    pub fn card_tasks(&self, actor: &Actor, card: CardRef) -> StoreResult<Vec<Task>> {
        self.read(|conn| {
            cards::check(conn, actor, card, Action::View)?;
            let mut q = tasks::table.filter(tasks::done_at.is_null()).into_boxed();
            q = match card {
                CardRef::Contact(id) => q.filter(tasks::contact_id.eq(id)),
                CardRef::Company(id) => q.filter(tasks::company_id.eq(id)),
                CardRef::Deal(id) => q.filter(tasks::deal_id.eq(id)),
                CardRef::Lead(id) => q.filter(tasks::lead_id.eq(id)),
            };
            let rows: Vec<TaskRecord> = q
                .order((tasks::due_at.is_null(), tasks::due_at, tasks::id))
                .limit(50)
                .select(TaskRecord::as_select())
                .load(conn)?;
            let people = people_of_actor(conn, actor)?;
            let mut all = to_tasks(conn, rows)?;
            all.retain(|t| t.visible_to(actor, &people));
            Ok(all)
        })
    }

    /// The next `limit` open tasks after id `after` of `owner`'s assignees that the actor may
    /// see — the tasks of the "my tasks" page, all sections together — in id order, for an
    /// export.
    pub fn export_tasks(
        &self,
        actor: &Actor,
        owner: TaskOwner,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Task>> {
        let assignees = self.task_assignees(owner)?;
        self.read(|conn| {
            let visible = Visible::of(conn, actor, &assignees)?;
            let rows: Vec<TaskRecord> = open_tasks(&visible)
                .filter(tasks::id.gt(after))
                .order(tasks::id)
                .limit(limit as i64)
                .select(TaskRecord::as_select())
                .load(conn)?;
            to_tasks(conn, rows)
        })
    }

    /// The actor's tasks for the API: open or done, in id order, after the id cursor.
    pub fn list_tasks(
        &self,
        actor: &Actor,
        assignee: i64,
        done: bool,
        after: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<Task>> {
        self.read(|conn| {
            let visible = Visible::of(conn, actor, &[assignee])?;
            let mut q = visible.filter(tasks::table.into_boxed());
            q = if done {
                q.filter(tasks::done_at.is_not_null())
            } else {
                q.filter(tasks::done_at.is_null())
            };
            if let Some(a) = after {
                q = q.filter(tasks::id.gt(a));
            }
            let rows: Vec<TaskRecord> = q
                .order(tasks::id)
                .limit(limit as i64)
                .select(TaskRecord::as_select())
                .load(conn)?;
            to_tasks(conn, rows)
        })
    }
}

/// Task loading for the job handlers (no actor: the system acts).
pub(crate) fn load_task(conn: &mut DbConn, id: i64) -> StoreResult<Option<Task>> {
    match load(conn, id) {
        Ok(t) => Ok(Some(t)),
        Err(e) if matches!(e.domain(), Some(Error::NotFound)) => Ok(None),
        Err(e) => Err(e),
    }
}
