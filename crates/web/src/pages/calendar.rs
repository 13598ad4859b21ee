//! The calendar: tasks (by deadline) and meetings for a day, a week or a month — mine, a
//! colleague's or my department's — and moving them to another day by dragging.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc};
use crm_core::TaskOwner;
use fluent_bundle::FluentValue;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n::translate;
use crate::pages::forms::actor;
use crate::pages::{Page, blocking, language_of};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Params {
    #[serde(default)]
    view: String,
    #[serde(default)]
    date: String,
    /// `me`, `department`, or a user's id.
    #[serde(default)]
    who: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Day,
    Week,
    Month,
}

impl View {
    fn parse(s: &str) -> View {
        match s {
            "day" => View::Day,
            "month" => View::Month,
            _ => View::Week,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            View::Day => "day",
            View::Week => "week",
            View::Month => "month",
        }
    }

    /// The first and last-plus-one day shown: whole weeks from Monday for weeks and months.
    fn range(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        match self {
            View::Day => (date, date + Duration::days(1)),
            View::Week => {
                let m = monday(date);
                (m, m + Duration::days(7))
            }
            View::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let next = (first + Duration::days(32)).with_day(1).unwrap_or(first);
                let start = monday(first);
                let end = monday(next - Duration::days(1)) + Duration::days(7);
                (start, end)
            }
        }
    }

    /// The same place one period earlier or later.
    fn step(self, date: NaiveDate, forward: bool) -> NaiveDate {
        let sign = if forward { 1 } else { -1 };
        match self {
            View::Day => date + Duration::days(sign),
            View::Week => date + Duration::days(7 * sign),
            View::Month => {
                let first = date.with_day(1).unwrap_or(date);
                if forward {
                    (first + Duration::days(32)).with_day(1).unwrap_or(first)
                } else {
                    (first - Duration::days(1)).with_day(1).unwrap_or(first)
                }
            }
        }
    }
}

fn t(lang: &str, key: &str, args: &[(&str, String)]) -> String {
    let args: Vec<(&str, FluentValue<'static>)> = args
        .iter()
        .map(|(k, v)| (*k, FluentValue::from(v.clone())))
        .collect();
    translate(lang, key, &args)
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<Params>,
) -> Result<HttpResponse, WebError> {
    let zone = session.zone;
    let lang = language_of(&req, Some(&session));
    let view = View::parse(&params.view);
    let today = zone.date_of(Utc::now());
    let date = NaiveDate::parse_from_str(&params.date, "%Y-%m-%d").unwrap_or(today);
    let (first, end) = view.range(date);
    let me = session.user.id;
    let who = match params.who.as_str() {
        "" | "me" => "me".to_string(),
        "department" => "department".to_string(),
        id => id
            .parse::<i64>()
            .map_or("me".to_string(), |i| i.to_string()),
    };
    let (st, a, w) = (state.clone(), actor(&session), who.clone());
    let (tasks, meetings, users, is_head) = blocking(move || {
        let owner = match w.as_str() {
            "me" => TaskOwner::User(me),
            "department" => TaskOwner::DepartmentOf(me),
            id => TaskOwner::User(id.parse().unwrap_or(me)),
        };
        let people = st.store.task_assignees(owner)?;
        let (from, to) = (zone.start_of(first), zone.start_of(end));
        Ok((
            st.store.calendar_tasks(&a, &people, from, to)?,
            st.store.meetings(&a, &people, from, to)?,
            st.store.users()?,
            st.store.is_head(me)?,
        ))
    })
    .await?;
    let now = Utc::now();
    let mut entries: Vec<(NaiveDate, NaiveTime, Value)> = Vec::new();
    for task in &tasks {
        let Some(due) = task.due_at else { continue };
        let local = zone.local(due);
        entries.push((
            local.date(),
            local.time(),
            json!({
                "kind": "task", "id": task.id, "title": task.title,
                "time": local.format("%H:%M").to_string(), "url": format!("/tasks/{}", task.id),
                "done": task.done_at.is_some(), "overdue": task.is_overdue(now),
                "assignee_name": task.assignee_name,
            }),
        ));
    }
    for m in &meetings {
        let local = zone.local(m.occurred_at);
        entries.push((
            local.date(),
            local.time(),
            json!({
                "kind": "meeting", "id": m.id, "title": m.subject,
                "time": local.format("%H:%M").to_string(), "url": format!("{}#timeline", m.home.path()),
                "done": false, "overdue": false, "assignee_name": m.author_name,
            }),
        ));
    }
    entries.sort_by_key(|e| (e.0, e.1));
    let weekday = |d: NaiveDate| {
        t(
            lang,
            &format!("weekday-short-{}", d.weekday().number_from_monday()),
            &[],
        )
    };
    let mut days = Vec::new();
    let mut d = first;
    while d < end {
        days.push(json!({
            "date": d.to_string(),
            "label": t(lang, "calendar-day-label", &[("weekday", weekday(d)), ("day", d.day().to_string())]),
            "is_today": d == today,
            "in_month": view != View::Month || d.month() == date.month(),
            "entries": entries.iter().filter(|e| e.0 == d).map(|e| e.2.clone()).collect::<Vec<_>>(),
        }));
        d += Duration::days(1);
    }
    let heading = match view {
        View::Day => format!("{} {}", weekday(date), date),
        View::Week => t(lang, "calendar-week-of", &[("date", first.to_string())]),
        View::Month => t(
            lang,
            "calendar-month-of",
            &[
                ("month", t(lang, &format!("month-{}", date.month()), &[])),
                ("year", date.year().to_string()),
            ],
        ),
    };
    let url = |v: View, d: NaiveDate| format!("/calendar?view={}&date={d}&who={who}", v.as_str());
    let mut who_options = vec![
        json!({"value": "me", "label": t(lang, "calendar-who-me", &[]), "selected": who == "me"}),
    ];
    if is_head || session.user.role == crm_core::Role::Admin {
        who_options.push(json!({"value": "department", "label": t(lang, "calendar-who-department", &[]), "selected": who == "department"}));
    }
    for u in users.iter().filter(|u| u.active && u.id != me) {
        let value = u.id.to_string();
        who_options.push(json!({"selected": who == value, "value": value, "label": u.name}));
    }
    let weekdays: Vec<String> = (0..7).map(|i| weekday(first + Duration::days(i))).collect();
    let mut page = Page::new(&state, &req, Some(&session), "calendar");
    page.insert("view", view.as_str())
        .insert("heading", &heading)
        .insert("prev_url", &url(view, view.step(date, false)))
        .insert("next_url", &url(view, view.step(date, true)))
        .insert("today_url", &url(view, today))
        .insert(
            "view_urls",
            &json!({"day": url(View::Day, date), "week": url(View::Week, date), "month": url(View::Month, date)}),
        )
        .insert("who_options", &who_options)
        .insert("date", &date.to_string())
        .insert("weekdays", &weekdays)
        .insert("days", &days);
    page.render(&state, "calendar.html")
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    date: String,
}

/// `POST /calendar/move`: a task or meeting to another day at the same local time (JSON).
pub async fn move_entry(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, crate::api::ApiError> {
    session.check_csrf(&form.csrf_token)?;
    let day = NaiveDate::parse_from_str(&form.date, "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest("date must be YYYY-MM-DD".into()))?;
    let (st, a, zone, id) = (state.clone(), actor(&session), session.zone, form.id);
    let kind = form.kind.clone();
    blocking(move || {
        let start = |t: chrono::DateTime<Utc>| zone.to_utc(day.and_time(zone.local(t).time()));
        match kind.as_str() {
            "task" => {
                let task = st.store.task(&a, id)?;
                let due = task.due_at.map_or_else(
                    || zone.to_utc(day.and_hms_opt(9, 0, 0).unwrap_or_default()),
                    start,
                );
                st.store.reschedule_task(&a, id, due).map(|_| ())
            }
            "meeting" => {
                let m = st.store.activity(&a, id)?;
                st.store
                    .reschedule_meeting(&a, id, start(m.occurred_at))
                    .map(|_| ())
            }
            _ => Err(crm_core::Error::NotFound.into()),
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}
