//! Tasks: what someone must do by when — with a reminder, a link to a card, and, for repeated
//! calls, a recurrence ("call again every 2 days until done").

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::card::{CardLabel, CardRef};
use crate::deal::date;
use crate::error::{FieldErrors, Result};
use crate::money::text_or_number;
use crate::party;
use crate::zone::{self, Zone};

/// Reminder offsets the form offers, in minutes before the deadline.
pub const REMIND_CHOICES: &[i32] = &[0, 5, 15, 30, 60, 120, 1440];
/// Longest reminder offset and repeat interval accepted.
pub const MAX_REMIND_MINUTES: i32 = 7 * 1440;
pub const MAX_REPEAT_DAYS: i32 = 365;
/// Tasks per section of "my tasks".
pub const SECTION_PAGE: usize = 20;
/// Tasks per section when the user asks for more.
pub const SECTION_MORE: usize = 200;

/// A task as typed in the form or posted to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Empty: the acting user.
    #[serde(default, deserialize_with = "text_or_number")]
    pub assignee_id: String,
    /// Local `YYYY-MM-DD HH:MM` in forms, RFC 3339 in the API; empty: no deadline.
    #[serde(default)]
    pub due_at: String,
    /// Minutes before the deadline; empty: no reminder.
    #[serde(default, deserialize_with = "text_or_number")]
    pub remind_before: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub repeat_days: String,
    #[serde(default)]
    pub repeat_until: String,
    /// `contact`, `company`, `deal` or `lead`, with `card_id`; both empty: no card.
    #[serde(default)]
    pub card_kind: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub card_id: String,
}

/// A checked task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    /// `None`: the acting user.
    pub assignee_id: Option<i64>,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_before_min: Option<i32>,
    pub repeat_days: Option<i32>,
    pub repeat_until: Option<NaiveDate>,
    pub card: Option<CardRef>,
}

fn small_number(e: &mut FieldErrors, field: &str, value: &str, max: i32) -> Option<i32> {
    let s = value.trim();
    if s.is_empty() {
        return None;
    }
    match s.parse::<i32>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        Ok(_) => {
            e.add(field, "error-out-of-range");
            None
        }
        Err(_) => {
            e.add(field, "error-number-invalid");
            None
        }
    }
}

impl TaskInput {
    pub fn validate(&self, zone: Zone) -> Result<TaskDraft> {
        let mut e = FieldErrors::new();
        let title = party::line(&mut e, "title", &self.title, true);
        let description = party::note(&mut e, "description", &self.description);
        let assignee_id = match self.assignee_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    e.add("assignee_id", "error-choice-invalid");
                    None
                }
            },
        };
        let due_at = zone::moment(&mut e, "due_at", Some(&self.due_at), zone);
        let remind_before_min = small_number(
            &mut e,
            "remind_before",
            &self.remind_before,
            MAX_REMIND_MINUTES,
        );
        if remind_before_min.is_some() && due_at.is_none() && e.get("due_at").is_none() {
            e.add("remind_before", "error-reminder-needs-deadline");
        }
        let repeat_days =
            match small_number(&mut e, "repeat_days", &self.repeat_days, MAX_REPEAT_DAYS) {
                Some(0) => None,
                other => other,
            };
        if repeat_days.is_some() && due_at.is_none() && e.get("due_at").is_none() {
            e.add("repeat_days", "error-repeat-needs-deadline");
        }
        let repeat_until = date(&mut e, "repeat_until", Some(&self.repeat_until));
        let card = match (self.card_kind.trim(), self.card_id.trim()) {
            ("", "") => None,
            (kind, id) => match CardRef::from_text(kind, id) {
                Some(card) => Some(card),
                None => {
                    e.add("card_id", "error-card-invalid");
                    None
                }
            },
        };
        e.into_result(TaskDraft {
            title,
            description,
            assignee_id,
            due_at,
            remind_before_min,
            repeat_days,
            repeat_until: repeat_days.and(repeat_until),
            card,
        })
    }
}

impl TaskDraft {
    /// When the reminder fires.
    pub fn remind_at(&self) -> Option<DateTime<Utc>> {
        remind_at(self.due_at, self.remind_before_min)
    }
}

pub fn remind_at(due: Option<DateTime<Utc>>, before_min: Option<i32>) -> Option<DateTime<Utc>> {
    Some(due? - Duration::minutes(i64::from(before_min?)))
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_before_min: Option<i32>,
    pub remind_at: Option<DateTime<Utc>>,
    pub repeat_days: Option<i32>,
    pub repeat_until: Option<NaiveDate>,
    pub card: Option<CardLabel>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// Who may see and work on a task: administrators (and the system), its assignee and its
    /// author, and the head of the assignee's department (`people`: the users the actor heads).
    pub fn visible_to(&self, actor: &crate::Actor, people: &[i64]) -> bool {
        let Some(me) = actor.user_id() else {
            return true;
        };
        actor.is_admin()
            || self.assignee_id == Some(me)
            || self.author_id == Some(me)
            || self.assignee_id.is_some_and(|a| people.contains(&a))
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.done_at.is_none() && self.due_at.is_some_and(|d| d < now)
    }

    /// The deadline of the next occurrence once this one is done, in the assignee's zone
    /// (same clock time), unless the series ends before it.
    pub fn next_due(&self, zone: Zone) -> Option<DateTime<Utc>> {
        let next = zone.add_days(self.due_at?, i64::from(self.repeat_days?));
        match self.repeat_until {
            Some(until) if zone.date_of(next) > until => None,
            _ => Some(next),
        }
    }

    /// The task as form values (times local to `zone`), for its edit form and API patches.
    pub fn as_input(&self, zone: Zone) -> TaskInput {
        let opt = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
        TaskInput {
            title: self.title.clone(),
            description: self.description.clone(),
            assignee_id: self
                .assignee_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            due_at: self
                .due_at
                .map(|t| zone.local(t).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
            remind_before: opt(self.remind_before_min),
            repeat_days: opt(self.repeat_days),
            repeat_until: self.repeat_until.map(|d| d.to_string()).unwrap_or_default(),
            card_kind: self
                .card
                .as_ref()
                .map(|c| c.card.kind().to_string())
                .unwrap_or_default(),
            card_id: self
                .card
                .as_ref()
                .map(|c| c.card.id().to_string())
                .unwrap_or_default(),
        }
    }
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskComment {
    pub id: i64,
    pub task_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Whose tasks a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOwner {
    /// Assigned to this user.
    User(i64),
    /// Assigned to anyone in the departments this user heads, or to the user.
    DepartmentOf(i64),
}

/// "My tasks": open tasks by deadline section, in the viewer's day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskSections {
    pub overdue: Vec<Task>,
    pub today: Vec<Task>,
    pub upcoming: Vec<Task>,
    pub undated: Vec<Task>,
    /// Sections that hold more tasks than were read.
    pub more: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_and_repeat_need_a_deadline() {
        let input = TaskInput {
            title: "Call back".into(),
            remind_before: "15".into(),
            repeat_days: "2".into(),
            ..Default::default()
        };
        let crate::Error::Invalid(e) = input.validate(Zone::UTC).unwrap_err() else {
            panic!()
        };
        assert_eq!(
            e.get("remind_before"),
            Some("error-reminder-needs-deadline")
        );
        assert_eq!(e.get("repeat_days"), Some("error-repeat-needs-deadline"));
    }

    #[test]
    fn a_reminder_in_berlin_across_the_spring_change() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let d = TaskInput {
            title: "Call back".into(),
            due_at: "2026-03-29 03:10".into(),
            remind_before: "15".into(),
            card_kind: "contact".into(),
            card_id: "5".into(),
            ..Default::default()
        }
        .validate(berlin)
        .unwrap();
        // 03:10 CEST is 01:10 UTC; fifteen minutes before is 00:55 UTC = 01:55 CET, before the jump.
        assert_eq!(d.due_at.unwrap().to_rfc3339(), "2026-03-29T01:10:00+00:00");
        assert_eq!(
            d.remind_at().unwrap().to_rfc3339(),
            "2026-03-29T00:55:00+00:00"
        );
        assert_eq!(d.card, Some(CardRef::Contact(5)));
    }

    #[test]
    fn bad_values_are_named() {
        let input = TaskInput {
            title: " ".into(),
            assignee_id: "x".into(),
            due_at: "soon".into(),
            remind_before: "-5".into(),
            card_kind: "planet".into(),
            card_id: "1".into(),
            ..Default::default()
        };
        let crate::Error::Invalid(e) = input.validate(Zone::UTC).unwrap_err() else {
            panic!()
        };
        for field in ["title", "assignee_id", "due_at", "remind_before", "card_id"] {
            assert!(e.get(field).is_some(), "{field}");
        }
    }
}
