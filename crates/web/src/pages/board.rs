//! The kanban board of a pipeline: a column per stage with its count and totals, the newest
//! cards first, and more cards fetched per column on demand, so that a pipeline with a hundred
//! thousand open deals still opens at once.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::deal_filters::FilterParams;
use crate::pages::deals::row_view;
use crate::pages::forms::{self, actor};
use crate::pages::{Page, blocking, language_of};
use crate::state::AppState;

/// Cards a column shows at first and fetches per "more".
const PER_COLUMN: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ColumnParams {
    #[serde(flatten)]
    filters: FilterParams,
    #[serde(default)]
    offset: String,
}

/// A card as the board shows it.
fn card_view(zone: crm_core::Zone, lang: &str, r: &crm_core::DealRow, stage_id: i64) -> Value {
    let mut v = row_view(zone, lang, r);
    v["stage_id"] = stage_id.into();
    v
}

fn more_url(filters: &FilterParams, stage_id: i64, offset: i64) -> String {
    let mut f = filters.clone();
    f.stage = stage_id.to_string();
    format!(
        "/deals/board/column?{}",
        f.query(&[("offset", offset.to_string())])
    )
}

fn list_url(filters: &FilterParams, stage_id: i64) -> String {
    let mut f = filters.clone();
    f.stage = stage_id.to_string();
    format!("/deals?{}", f.query(&[]))
}

pub async fn board(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<FilterParams>,
) -> Result<HttpResponse, WebError> {
    let mut filters = params.into_inner();
    filters.stage.clear();
    filters.state.clear();
    let filter = filters.filter(&state);
    let (st, a) = (state.clone(), actor(&session));
    let (pipelines, (pipeline, columns), reasons) = blocking(move || {
        let pipelines = st.store.pipelines()?;
        let chosen = filter
            .pipeline_id
            .filter(|id| pipelines.iter().any(|p| p.id == *id))
            .or(pipelines.first().map(|p| p.id))
            .ok_or(crm_core::Error::NotFound)?;
        Ok((
            pipelines,
            st.store.board(&a, chosen, &filter, PER_COLUMN)?,
            st.store.lost_reasons(false)?,
        ))
    })
    .await?;
    filters.pipeline = pipeline.id.to_string();
    let lang = language_of(&req, Some(&session));
    let columns: Vec<Value> = columns
        .iter()
        .map(|c| {
            json!({
                "stage": {
                    "id": c.stage.id,
                    "name": c.stage.name,
                    "color": c.stage.color,
                    "kind": c.stage.kind.as_str(),
                    "probability": c.stage.probability,
                },
                "count": c.count,
                "totals": c.totals.iter().map(|(cur, sum)| cur.display(*sum, lang)).collect::<Vec<_>>(),
                "cards": c.cards.iter().map(|r| card_view(session.zone, lang, r, c.stage.id)).collect::<Vec<_>>(),
                "has_more": c.has_more,
                "more_url": more_url(&filters, c.stage.id, PER_COLUMN),
                "list_url": list_url(&filters, c.stage.id),
            })
        })
        .collect();
    let heads: Vec<Value> = pipelines
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name}))
        .collect();
    let users = forms::responsible_options(&state, &session).await?;
    let mut page = Page::new(&state, &req, Some(&session), "deals");
    page.insert("pipelines", &heads)
        .insert(
            "pipeline",
            &json!({"id": pipeline.id, "name": pipeline.name}),
        )
        .insert("columns", &columns)
        .insert("filter", &filters.view())
        .insert("users", &users)
        .insert("lost_reasons", &reasons)
        .insert("list_url", &format!("/deals?{}", filters.query(&[])))
        .insert("new_url", &format!("/deals/new?pipeline={}", pipeline.id));
    page.render(&state, "deals/board.html")
}

/// `GET /deals/board/column?stage=&offset=&...`: the next cards of one column, as the list
/// items the board's script appends.
pub async fn column(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ColumnParams>,
) -> Result<HttpResponse, WebError> {
    let p = params.into_inner();
    let stage_id: i64 = p
        .filters
        .stage
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("stage".into()))?;
    let offset: i64 = p.offset.trim().parse().unwrap_or(0).clamp(0, 1_000_000);
    let mut filter = p.filters.filter(&state);
    filter.stage_id = None;
    let (st, a) = (state.clone(), actor(&session));
    let (cards, has_more) = blocking(move || {
        st.store
            .board_column(&a, stage_id, &filter, offset, PER_COLUMN)
    })
    .await?;
    let lang = language_of(&req, Some(&session));
    let cards: Vec<Value> = cards
        .iter()
        .map(|r| card_view(session.zone, lang, r, stage_id))
        .collect();
    let mut page = Page::new(&state, &req, Some(&session), "deals");
    page.insert("cards", &cards)
        .insert("has_more", &has_more)
        .insert(
            "more_url",
            &more_url(&p.filters, stage_id, offset + PER_COLUMN),
        )
        .insert("list_url", &list_url(&p.filters, stage_id));
    page.render(&state, "deals/_cards.html")
}
