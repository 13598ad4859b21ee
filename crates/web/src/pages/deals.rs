//! Deal pages: the list, the card with its stage selector, history and line items, the deal
//! form, and moving a deal (from the card, or from the board's JavaScript as JSON).

use actix_web::http::StatusCode;
use actix_web::http::header::ACCEPT;
use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{
    Deal, DealDraft, DealInput, DealRow, DealSort, Error, FieldErrors, LineInput, ListQuery, Zone,
    deal::{self, SOURCES},
    party,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n;
use crate::pages::cards::CardPages;
use crate::pages::deal_filters::FilterParams;
use crate::pages::forms::{self, actor, checked, optional_id};
use crate::pages::{Page, blocking, language_of, redirect_with_flash, when};
use crate::records::Deals;
use crate::state::AppState;

/// Currencies offered first in the currency field (any ISO 4217 code is accepted).
const COMMON_CURRENCIES: &[&str] = &[
    "USD", "EUR", "RUB", "ILS", "GBP", "CNY", "KZT", "BYN", "UAH", "AED", "SAR", "TRY",
];

/// Empty line rows offered under a deal's lines for adding more.
const EMPTY_LINE_ROWS: usize = 3;

/// A list row as templates show it: money and times formatted for the reader.
pub fn row_view(zone: Zone, lang: &str, r: &DealRow) -> Value {
    json!({
        "id": r.id,
        "title": r.title,
        "pipeline_name": r.pipeline_name,
        "stage_id": Value::Null,
        "stage_name": r.stage_name,
        "stage_color": r.stage_color,
        "stage_kind": r.stage_kind.as_str(),
        "amount": r.currency.display(r.amount, lang),
        "client": r.client,
        "responsible_name": r.responsible_name,
        "expected_close": r.expected_close.map(|d| d.to_string()),
        "version": r.version,
        "updated_at": when(zone, r.updated_at),
    })
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let p = params.into_inner();
    let filter = p.filters.filter(&state);
    let sort = DealSort::parse(p.sort.trim()).unwrap_or_default();
    let desc = match p.desc.trim() {
        "" => sort == DealSort::Updated,
        v => matches!(v, "1" | "true" | "on"),
    };
    let q = ListQuery {
        page: p.page.trim().parse().unwrap_or(1),
        ..Default::default()
    }
    .normalized();
    let (st, a, f, query) = (state.clone(), actor(&session), filter.clone(), q.clone());
    let (rows, pipelines) = blocking(move || {
        Ok((
            st.store.list_deals(&a, &f, sort, desc, &query)?,
            st.store.pipelines()?,
        ))
    })
    .await?;
    let users = forms::responsible_options(&state, &session).await?;
    let lang = language_of(&req, Some(&session));
    let link = |page: u32, s: DealSort, d: bool| {
        let mut extra = vec![("sort", s.as_str().to_string())];
        if d {
            extra.push(("desc", "1".into()));
        }
        if page > 1 {
            extra.push(("page", page.to_string()));
        }
        format!("/deals?{}", p.filters.query(&extra))
    };
    let sort_urls: serde_json::Map<String, Value> = [
        DealSort::Title,
        DealSort::Amount,
        DealSort::ExpectedClose,
        DealSort::Updated,
        DealSort::Created,
    ]
    .into_iter()
    .map(|s| {
        (
            s.as_str().to_string(),
            link(1, s, s == sort && !desc).into(),
        )
    })
    .collect();
    let views: Vec<Value> = rows
        .items
        .iter()
        .map(|r| row_view(session.zone, lang, r))
        .collect();
    let mut page = Page::new(&state, &req, Some(&session), "deals");
    page.insert("rows", &views)
        .insert("pipelines", &pipelines)
        .insert("filter", &p.filters.view())
        .insert("users", &users)
        .insert("sort", sort.as_str())
        .insert("desc", &desc)
        .insert("sort_urls", &sort_urls)
        .insert("page", &q.page)
        .insert("has_prev", &(q.page > 1))
        .insert("has_next", &rows.has_next)
        .insert(
            "prev_url",
            &link(q.page.saturating_sub(1).max(1), sort, desc),
        )
        .insert("next_url", &link(q.page + 1, sort, desc))
        .insert(
            "board_url",
            &format!("/deals/board?{}", p.filters.query(&[])),
        )
        .insert("new_url", "/deals/new");
    page.render(&state, "deals/list.html")
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    filters: FilterParams,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: String,
    #[serde(default)]
    page: String,
}

/// One row of the line-items editor.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LineRow {
    product_id: String,
    name: String,
    quantity: String,
    unit_price: String,
    discount: String,
    total_text: String,
}

fn line_rows(deal: &Deal) -> Vec<LineRow> {
    let mut rows: Vec<LineRow> = deal
        .lines
        .iter()
        .map(|l| LineRow {
            product_id: l.product_id.map(|p| p.to_string()).unwrap_or_default(),
            name: l.name.clone(),
            quantity: l.quantity.clone(),
            unit_price: l.unit_price_text.clone(),
            discount: l.discount.clone(),
            total_text: l.total_text.clone(),
        })
        .collect();
    rows.extend(std::iter::repeat_n(LineRow::default(), EMPTY_LINE_ROWS));
    rows
}

/// What the card's forms re-show after a failed post.
#[derive(Default)]
struct CardState {
    line_rows: Option<Vec<LineRow>>,
    line_errors: FieldErrors,
    errors: FieldErrors,
    conflict: bool,
}

async fn card_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: i64,
    again: CardState,
) -> Result<HttpResponse, WebError> {
    let (st, a) = (state.clone(), actor(session));
    let (deal, history, reasons) = blocking(move || {
        Ok((
            st.store.deal(&a, id)?,
            st.store.deal_history(&a, id)?,
            st.store.lost_reasons(false)?,
        ))
    })
    .await?;
    let st = state.clone();
    let pid = deal.pipeline_id;
    let pipeline = blocking(move || st.store.pipeline(pid)).await?;
    let lang = language_of(req, Some(session));
    let a = actor(session);
    let may = |action| {
        a.scope(crm_core::ObjectKind::Deal, action)
            .allows(deal.responsible_id, deal.visible_to_all)
    };
    let mut view = serde_json::to_value(&deal).map_err(|e| WebError::Internal(e.to_string()))?;
    view["amount_display"] = deal.currency.display(deal.amount, lang).into();
    view["created_at"] = when(session.zone, deal.created_at).into();
    view["updated_at"] = when(session.zone, deal.updated_at).into();
    view["closed_at"] = deal.closed_at.map(|t| when(session.zone, t)).into();
    view["stage_kind"] = deal.stage_kind.as_str().into();
    let history: Vec<Value> = history
        .iter()
        .map(|h| {
            json!({
                "from_stage": h.from_stage,
                "to_stage": h.to_stage,
                "user_name": h.user_name,
                "at": when(session.zone, h.at),
            })
        })
        .collect();
    let stages: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "kind": s.kind.as_str()}))
        .collect();
    let mut line_errors = std::collections::BTreeMap::new();
    for e in again.line_errors.iter() {
        line_errors.entry(e.field.clone()).or_insert(e.code);
    }
    let mut page = Page::new(state, req, Some(session), "deals");
    page.insert("deal", &view)
        .insert("stages", &stages)
        .insert("lost_reasons", &reasons)
        .insert("history", &history)
        .insert("can_edit", &may(crm_core::Action::Edit))
        .insert("can_delete", &may(crm_core::Action::Delete))
        .insert("conflict", &again.conflict)
        .insert(
            "line_rows",
            &again.line_rows.unwrap_or_else(|| line_rows(&deal)),
        )
        .insert("line_errors", &line_errors)
        .insert("currency", deal.currency.code())
        .errors(&again.errors);
    if again.conflict {
        page.status(StatusCode::CONFLICT);
    } else if !again.line_errors.is_empty() {
        page.status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    super::timeline::extend(&mut page, state, req, session, crm_core::CardRef::Deal(id)).await?;
    page.render(state, "deals/card.html")
}

pub async fn card(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    card_page(
        &state,
        &req,
        &session,
        id.into_inner(),
        CardState::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct NewParams {
    #[serde(default)]
    contact_id: Option<i64>,
    #[serde(default)]
    company_id: Option<i64>,
    #[serde(default)]
    pipeline: Option<i64>,
}

/// `GET /deals/new`, optionally for a contact or company and in a pipeline.
pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    let p = params.into_inner();
    let (st, a) = (state.clone(), actor(&session));
    let (contact, company, pipelines) = blocking(move || {
        let contact = match p.contact_id {
            Some(id) => Some(st.store.contact(&a, id)?),
            None => None,
        };
        let company_id = p.company_id.or(contact.as_ref().and_then(|c| c.company_id));
        let company = match company_id {
            Some(id) => st.store.company(&a, id).ok(),
            None => None,
        };
        Ok((contact, company, st.store.pipelines()?))
    })
    .await?;
    let stage_id = pipelines
        .iter()
        .find(|pl| Some(pl.id) == p.pipeline)
        .or(pipelines.first())
        .and_then(|pl| pl.first_open())
        .map(|s| s.id);
    let view = FormView {
        stage_id,
        currency: state.currency.code().to_string(),
        responsible_id: Some(session.user.id),
        contact: contact
            .map(|c| super::contacts::pick_label(&c.name, c.id))
            .unwrap_or_default(),
        company: company.map(|c| c.name).unwrap_or_default(),
        ..Default::default()
    };
    super::cards::new_form::<Deals>(&state, &req, &session, &view).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    lost_reason_id: String,
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// A JSON error in the reader's language, for the board's script.
fn json_error(lang: &str, e: &WebError) -> HttpResponse {
    use actix_web::ResponseError;
    let (code, key, fields) = match e {
        WebError::Domain(Error::Invalid(list)) => {
            let fields: serde_json::Map<String, Value> = list
                .iter()
                .map(|f| (f.field.clone(), i18n::translate(lang, f.code, &[]).into()))
                .collect();
            let first = list.iter().next().map_or("error-bad-request", |f| f.code);
            ("invalid", first, Some(fields))
        }
        other => (other.code(), other.message_key(), None),
    };
    let mut body = json!({"code": code, "message": i18n::translate(lang, key, &[])});
    if let Some(f) = fields {
        body["fields"] = Value::Object(f);
    }
    HttpResponse::build(e.status_code()).json(json!({ "error": body }))
}

/// `POST /deals/{id}/move`: the card's stage selector, or a drop on the board (JSON).
pub async fn move_deal(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let stage_id = optional_id(&mut errors, "stage_id", &form.stage_id);
    let version = optional_id(&mut errors, "version", &form.version);
    let reason = optional_id(&mut errors, "lost_reason_id", &form.lost_reason_id);
    let result = match stage_id {
        Some(stage) if errors.is_empty() => {
            let (st, a) = (state.clone(), actor(&session));
            blocking(move || st.store.move_deal(&a, id, stage, version, reason)).await
        }
        _ => {
            if stage_id.is_none() {
                errors.add("stage_id", "error-required");
            }
            Err(WebError::Domain(Error::Invalid(errors)))
        }
    };
    let lang = language_of(&req, Some(&session));
    if wants_json(&req) {
        return Ok(match result {
            Ok(d) => HttpResponse::Ok()
                .json(json!({"id": d.id, "version": d.version, "stage_id": d.stage_id})),
            Err(e) => json_error(lang, &e),
        });
    }
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/deals/{id}"),
            "flash-deal-moved",
        )),
        Err(WebError::Domain(Error::Conflict(_))) => {
            let again = CardState {
                conflict: true,
                ..Default::default()
            };
            card_page(&state, &req, &session, id, again).await
        }
        Err(e) => {
            let again = CardState {
                errors: forms::field_errors(e)?,
                ..Default::default()
            };
            card_page(&state, &req, &session, id, again).await
        }
    }
}

/// The line rows of a posted line-items form, in order; rows left wholly empty are dropped.
fn posted_lines(body: &[u8]) -> (String, String, Vec<LineRow>) {
    let (mut csrf, mut version) = (String::new(), String::new());
    let mut rows: Vec<LineRow> = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "csrf_token" => csrf = v,
            "version" => version = v,
            // Every row starts with its product id.
            "product_id" => rows.push(LineRow {
                product_id: v,
                ..Default::default()
            }),
            field => {
                if let Some(row) = rows.last_mut() {
                    match field {
                        "name" => row.name = v,
                        "quantity" => row.quantity = v,
                        "unit_price" => row.unit_price = v,
                        "discount" => row.discount = v,
                        _ => {}
                    }
                }
            }
        }
    }
    rows.retain(|r| {
        [
            &r.product_id,
            &r.name,
            &r.quantity,
            &r.unit_price,
            &r.discount,
        ]
        .iter()
        .any(|s| !s.trim().is_empty())
    });
    (csrf, version, rows)
}

/// `POST /deals/{id}/lines`: replaces the deal's line items; the amount becomes their sum.
pub async fn save_lines(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (csrf, version, rows) = posted_lines(&body);
    session.check_csrf(&csrf)?;
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let version = optional_id(&mut errors, "version", &version);
    let inputs: Vec<LineInput> = rows
        .iter()
        .map(|r| {
            let product_id = r.product_id.trim().parse().ok();
            LineInput {
                product_id,
                name: r.name.clone(),
                quantity: r.quantity.clone(),
                unit_price: r.unit_price.clone(),
                discount: r.discount.clone(),
            }
        })
        .collect();
    let (st, a) = (state.clone(), actor(&session));
    let currency = blocking(move || st.store.deal(&a, id)).await?.currency;
    let (lines, _) = deal::check_lines(&mut errors, &inputs, currency);
    let result = if errors.is_empty() {
        let (st, a) = (state.clone(), actor(&session));
        blocking(move || st.store.set_deal_lines(&a, id, version, &lines)).await
    } else {
        Err(WebError::Domain(Error::Invalid(errors)))
    };
    let mut shown = rows;
    shown.extend(std::iter::repeat_n(LineRow::default(), EMPTY_LINE_ROWS));
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/deals/{id}"),
            "flash-lines-saved",
        )),
        Err(WebError::Domain(Error::Conflict(_))) => {
            let again = CardState {
                conflict: true,
                line_rows: Some(shown),
                ..Default::default()
            };
            card_page(&state, &req, &session, id, again).await
        }
        Err(e) => {
            let again = CardState {
                line_errors: forms::field_errors(e)?,
                line_rows: Some(shown),
                ..Default::default()
            };
            card_page(&state, &req, &session, id, again).await
        }
    }
}

/// The deal form as posted: every field as text.
#[derive(Debug, Default, Deserialize)]
pub struct DealForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    responsible_id: String,
    #[serde(default)]
    deal_type: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    expected_close: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    visible_to_all: Option<String>,
    #[serde(default)]
    lost_reason_id: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    version: String,
}

#[derive(Debug, Default, Serialize)]
pub struct FormView {
    title: String,
    stage_id: Option<i64>,
    amount: String,
    currency: String,
    probability: String,
    responsible_id: Option<i64>,
    deal_type: String,
    source: String,
    expected_close: String,
    contact: String,
    company: String,
    tags: String,
    visible_to_all: bool,
    lost_reason_id: Option<i64>,
    notes: String,
    version: String,
}

impl CardPages for Deals {
    type Form = DealForm;
    type View = FormView;

    fn csrf(form: &DealForm) -> &str {
        &form.csrf_token
    }
    fn confirmed(_form: &DealForm) -> bool {
        true
    }
    fn echo(f: &DealForm) -> FormView {
        FormView {
            title: f.title.clone(),
            stage_id: f.stage_id.trim().parse().ok(),
            amount: f.amount.clone(),
            currency: f.currency.clone(),
            probability: f.probability.clone(),
            responsible_id: f.responsible_id.trim().parse().ok(),
            deal_type: f.deal_type.clone(),
            source: f.source.clone(),
            expected_close: f.expected_close.clone(),
            contact: f.contact.clone(),
            company: f.company.clone(),
            tags: f.tags.clone(),
            visible_to_all: checked(&f.visible_to_all),
            lost_reason_id: f.lost_reason_id.trim().parse().ok(),
            notes: f.notes.clone(),
            version: f.version.clone(),
        }
    }
    fn view_of(d: &Deal) -> FormView {
        FormView {
            title: d.title.clone(),
            stage_id: Some(d.stage_id),
            amount: d.amount_text.clone(),
            currency: d.currency.code().to_string(),
            probability: d
                .probability_override
                .map(|p| p.to_string())
                .unwrap_or_default(),
            responsible_id: d.responsible_id,
            deal_type: d.deal_type.clone(),
            source: d.source.clone(),
            expected_close: d.expected_close.map(|x| x.to_string()).unwrap_or_default(),
            contact: match (&d.contact_name, d.contact_id) {
                (Some(n), Some(id)) => super::contacts::pick_label(n, id),
                _ => String::new(),
            },
            company: d.company_name.clone().unwrap_or_default(),
            tags: d.tags.join(", "),
            visible_to_all: d.visible_to_all,
            lost_reason_id: d.lost_reason_id,
            notes: d.notes.clone(),
            version: d.version.to_string(),
        }
    }
    async fn form_extras(
        state: &web::Data<AppState>,
        session: &Session,
        id: Option<i64>,
    ) -> Result<Vec<(&'static str, Value)>, WebError> {
        let (st, a) = (state.clone(), actor(session));
        let (pipelines, reasons, has_lines) = blocking(move || {
            let has_lines = match id {
                Some(id) => !st.store.deal(&a, id)?.lines.is_empty(),
                None => false,
            };
            Ok((
                st.store.pipelines()?,
                st.store.lost_reasons(false)?,
                has_lines,
            ))
        })
        .await?;
        Ok(vec![
            ("pipelines", json!(pipelines)),
            ("lost_reasons", json!(reasons)),
            ("currencies", json!(COMMON_CURRENCIES)),
            ("sources", json!(SOURCES)),
            ("has_lines", json!(has_lines)),
        ])
    }
    async fn draft(
        state: &web::Data<AppState>,
        session: &Session,
        f: &DealForm,
    ) -> Result<Result<DealDraft, FieldErrors>, WebError> {
        let mut errors = FieldErrors::new();
        let responsible_id = optional_id(&mut errors, "responsible", &f.responsible_id);
        let stage_id = optional_id(&mut errors, "stage_id", &f.stage_id);
        let lost_reason_id = optional_id(&mut errors, "lost_reason_id", &f.lost_reason_id);
        let version = optional_id(&mut errors, "version", &f.version);
        let probability = match f.probability.trim() {
            "" => None,
            p => match p.parse::<i32>() {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.add("probability", "error-probability-range");
                    None
                }
            },
        };
        let company_id = super::companies::resolve(state, session, &f.company, &mut errors).await?;
        let contact_id = super::contacts::resolve(state, session, &f.contact, &mut errors).await?;
        let st = state.clone();
        let pipelines = blocking(move || st.store.pipelines()).await?;
        let pipeline_id = stage_id.and_then(|s| {
            pipelines
                .iter()
                .find(|p| p.stage(s).is_some())
                .map(|p| p.id)
        });
        if stage_id.is_some() && pipeline_id.is_none() {
            errors.add("stage_id", "error-stage-not-found");
        }
        let input = DealInput {
            title: f.title.clone(),
            pipeline_id,
            stage_id,
            amount: f.amount.clone(),
            currency: f.currency.clone(),
            probability,
            responsible_id,
            deal_type: f.deal_type.clone(),
            source: f.source.clone(),
            expected_close: Some(f.expected_close.clone()),
            contact_id,
            company_id,
            visible_to_all: checked(&f.visible_to_all),
            lost_reason_id,
            tags: party::split_list(&f.tags),
            notes: f.notes.clone(),
            lines: None,
            version,
        };
        match input.validate(state.currency) {
            Ok(d) if errors.is_empty() => Ok(Ok(d)),
            Ok(_) => Ok(Err(errors)),
            Err(e) => {
                errors.merge(forms::field_errors(e.into())?);
                Ok(Err(errors))
            }
        }
    }
}
