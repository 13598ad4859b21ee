//! Notifications: what the bell tells a user. Stored as a kind plus values and rendered in the
//! reader's language when shown, so a notification reads right whatever language it was made in.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    TaskAssigned,
    TaskReminder,
    TaskOverdue,
    TaskComment,
    DealAssigned,
    LeadAssigned,
    Birthday,
    DealPastClose,
    /// A lead came in through a website form.
    LeadFromForm,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::TaskAssigned,
        NoticeKind::TaskReminder,
        NoticeKind::TaskOverdue,
        NoticeKind::TaskComment,
        NoticeKind::DealAssigned,
        NoticeKind::LeadAssigned,
        NoticeKind::Birthday,
        NoticeKind::DealPastClose,
        NoticeKind::LeadFromForm,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            NoticeKind::TaskAssigned => "task_assigned",
            NoticeKind::TaskReminder => "task_reminder",
            NoticeKind::TaskOverdue => "task_overdue",
            NoticeKind::TaskComment => "task_comment",
            NoticeKind::DealAssigned => "deal_assigned",
            NoticeKind::LeadAssigned => "lead_assigned",
            NoticeKind::Birthday => "birthday",
            NoticeKind::DealPastClose => "deal_past_close",
            NoticeKind::LeadFromForm => "lead_from_form",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A notification to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user_id: i64,
    pub kind: NoticeKind,
    /// Values for the message (`title`, `name`...), all text.
    pub args: Map<String, Value>,
    /// The page it leads to.
    pub link: String,
    /// Set when the same event may be noticed twice (a scan that runs every hour): the second
    /// insert with the same key is dropped.
    pub once_key: Option<String>,
}

impl Notice {
    pub fn new(user_id: i64, kind: NoticeKind, link: impl Into<String>) -> Notice {
        Notice {
            user_id,
            kind,
            args: Map::new(),
            link: link.into(),
            once_key: None,
        }
    }

    pub fn arg(mut self, name: &str, value: impl Into<String>) -> Notice {
        self.args.insert(name.into(), Value::String(value.into()));
        self
    }

    pub fn once(mut self, key: impl Into<String>) -> Notice {
        self.once_key = Some(key.into());
        self
    }
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: Map<String, Value>,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}
