//! Pipeline settings for administrators: pipelines, their stages (rename, reorder, recolour,
//! add, delete after moving their deals) and the list of lost reasons. Each change is one small
//! form, so it takes effect at once and works without JavaScript.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{FieldErrors, PipelineInput, Role, StageInput, StageKind, party};
use serde::Deserialize;

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n;
use crate::pages::forms::{self, actor, checked};
use crate::pages::{CsrfForm, Page, blocking, language_of, redirect_with_flash};
use crate::state::AppState;

/// Refuses everyone but administrators (settings pages).
pub(crate) fn admin_only(session: &Session) -> Result<(), WebError> {
    if session.user.role == Role::Admin {
        Ok(())
    } else {
        Err(crm_core::Error::Forbidden.into())
    }
}

async fn list_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    name: &str,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let st = state.clone();
    let (pipelines, reasons) =
        blocking(move || Ok((st.store.pipelines()?, st.store.lost_reasons(true)?))).await?;
    let mut page = Page::new(state, req, Some(session), "pipelines");
    page.insert("pipelines", &pipelines)
        .insert("lost_reasons", &reasons)
        .insert("form_name", name)
        .errors(errors);
    page.render(state, "pipelines/list.html")
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    list_page(&state, &req, &session, "", &FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
}

/// `POST /pipelines`: a new pipeline starts with a first, a won and a lost stage, named in the
/// administrator's language; the stages are then shaped on its page.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let lang = language_of(&req, Some(&session));
    let stage = |key: &str, probability: i32, color: &str, kind: StageKind| StageInput {
        id: None,
        name: i18n::translate(lang, key, &[]),
        probability,
        color: color.into(),
        kind,
    };
    let input = PipelineInput {
        name: form.name.clone(),
        stages: vec![
            stage("default-stage-new", 10, "#64748b", StageKind::Open),
            stage("default-stage-won", 100, "#16a34a", StageKind::Won),
            stage("default-stage-lost", 0, "#dc2626", StageKind::Lost),
        ],
    };
    let draft = match input.validate() {
        Ok(d) => d,
        Err(e) => {
            let errors = forms::field_errors(e.into())?;
            return list_page(&state, &req, &session, &form.name, &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    let p = blocking(move || st.store.create_pipeline(&a, &draft)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/pipelines/{}", p.id),
        "flash-pipeline-created",
    ))
}

async fn edit_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: i64,
    error_stage: Option<i64>,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let st = state.clone();
    let pipeline = blocking(move || st.store.pipeline(id)).await?;
    let mut page = Page::new(state, req, Some(session), "pipelines");
    page.insert("pipeline", &pipeline)
        .insert("kinds", &["open", "won", "lost"])
        .insert("error_stage", &error_stage)
        .errors(errors);
    page.render(state, "pipelines/edit.html")
}

pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    edit_page(
        &state,
        &req,
        &session,
        id.into_inner(),
        None,
        &FieldErrors::new(),
    )
    .await
}

pub async fn rename(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let name = party::line(&mut errors, "name", &form.name, true);
    if !errors.is_empty() {
        return edit_page(&state, &req, &session, id, None, &errors).await;
    }
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.rename_pipeline(&a, id, &name)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/pipelines/{id}"),
        "flash-pipeline-updated",
    ))
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.delete_pipeline(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        "/pipelines",
        "flash-pipeline-deleted",
    ))
}

#[derive(Deserialize)]
pub struct StageForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    color: String,
    #[serde(default)]
    kind: String,
}

impl StageForm {
    fn checked(&self) -> Result<StageInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let probability = match self.probability.trim().parse::<i32>() {
            Ok(p) => p,
            Err(_) => {
                errors.add("probability", "error-probability-range");
                0
            }
        };
        let kind = StageKind::parse(self.kind.trim()).unwrap_or_else(|| {
            errors.add("kind", "error-stage-not-found");
            StageKind::Open
        });
        let input = StageInput {
            id: None,
            name: self.name.clone(),
            probability,
            color: self.color.clone(),
            kind,
        };
        match input.validate() {
            Ok(s) if errors.is_empty() => Ok(s),
            Ok(_) => Err(errors),
            Err(crm_core::Error::Invalid(more)) => {
                errors.merge(more);
                Err(errors)
            }
            Err(_) => Err(errors),
        }
    }
}

pub async fn add_stage(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let stage = match form.checked() {
        Ok(s) => s,
        Err(errors) => return edit_page(&state, &req, &session, id, None, &errors).await,
    };
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.add_stage(&a, id, &stage)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/pipelines/{id}"),
        "flash-stage-saved",
    ))
}

pub async fn update_stage(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let sid = id.into_inner();
    let (st, a) = (state.clone(), actor(&session));
    let saved = match form.checked() {
        Ok(stage) => blocking(move || st.store.update_stage(&a, sid, &stage)).await,
        Err(errors) => Err(WebError::Domain(crm_core::Error::Invalid(errors))),
    };
    match saved {
        Ok(s) => Ok(redirect_with_flash(
            &state,
            &format!("/pipelines/{}", s.pipeline_id),
            "flash-stage-saved",
        )),
        Err(e) => {
            let errors = forms::field_errors(e)?;
            let st = state.clone();
            let pid = blocking(move || st.store.stage_pipeline(sid)).await?;
            edit_page(&state, &req, &session, pid, Some(sid), &errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    position: String,
}

pub async fn move_stage(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let position: usize = form
        .position
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("position".into()))?;
    let (st, a, sid) = (state.clone(), actor(&session), id.into_inner());
    let p = blocking(move || st.store.move_stage(&a, sid, position)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/pipelines/{}", p.id),
        "flash-stage-saved",
    ))
}

async fn delete_stage_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    sid: i64,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let st = state.clone();
    let (pipeline, count) = blocking(move || {
        let pid = st.store.stage_pipeline(sid)?;
        Ok((st.store.pipeline(pid)?, st.store.stage_deal_count(sid)?))
    })
    .await?;
    let stage = pipeline
        .stage(sid)
        .cloned()
        .ok_or(crm_core::Error::NotFound)?;
    let targets: Vec<_> = pipeline.stages.iter().filter(|s| s.id != sid).collect();
    let mut page = Page::new(state, req, Some(session), "pipelines");
    page.insert("stage", &stage)
        .insert("pipeline", &pipeline)
        .insert("deal_count", &count)
        .insert("targets", &targets)
        .errors(errors);
    page.render(state, "pipelines/delete_stage.html")
}

pub async fn confirm_delete_stage(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    delete_stage_page(&state, &req, &session, id.into_inner(), &FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct DeleteStageForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    move_to: String,
}

pub async fn delete_stage(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<DeleteStageForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let sid = id.into_inner();
    let mut errors = FieldErrors::new();
    let move_to = forms::optional_id(&mut errors, "move_to", &form.move_to);
    let (st, a) = (state.clone(), actor(&session));
    let done = blocking(move || st.store.delete_stage(&a, sid, move_to)).await;
    match done {
        Ok(p) => Ok(redirect_with_flash(
            &state,
            &format!("/pipelines/{}", p.id),
            "flash-stage-deleted",
        )),
        Err(WebError::Domain(crm_core::Error::Conflict(code))) => {
            errors.add("move_to", code);
            delete_stage_page(&state, &req, &session, sid, &errors).await
        }
        Err(e) => {
            let errors = forms::field_errors(e)?;
            delete_stage_page(&state, &req, &session, sid, &errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn add_reason(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let mut errors = FieldErrors::new();
    let name = party::line(&mut errors, "reason", &form.name, true);
    if !errors.is_empty() {
        return list_page(&state, &req, &session, "", &errors).await;
    }
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.add_lost_reason(&a, &name)).await?;
    Ok(redirect_with_flash(
        &state,
        "/pipelines",
        "flash-lost-reason-saved",
    ))
}

pub async fn update_reason(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let mut errors = FieldErrors::new();
    let name = party::line(&mut errors, "reason", &form.name, true);
    if !errors.is_empty() {
        return list_page(&state, &req, &session, "", &errors).await;
    }
    let (st, a, id, active) = (
        state.clone(),
        actor(&session),
        id.into_inner(),
        checked(&form.active),
    );
    blocking(move || st.store.update_lost_reason(&a, id, &name, active)).await?;
    Ok(redirect_with_flash(
        &state,
        "/pipelines",
        "flash-lost-reason-saved",
    ))
}
