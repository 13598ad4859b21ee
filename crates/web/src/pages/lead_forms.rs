//! Website lead form settings for administrators: the list, a form's settings, its page with
//! the HTML snippet to paste into the site, and its server-to-server token — shown once, when
//! made or replaced, since only its hash is kept.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::lead_form::{HONEYPOT, UTM_FIELDS};
use crm_core::{Assignee, FieldErrors, FieldSpec, FormField, LeadForm, LeadFormInput};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Session};
use crate::error::WebError;
use crate::pages::forms::{self, actor, optional_id};
use crate::pages::pipelines::admin_only;
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash};
use crate::state::AppState;

/// Length of a form's public key in its address (hex digits of a random secret).
const KEY_CHARS: usize = 24;

/// The settings form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    field_name: String,
    #[serde(default)]
    field_phone: String,
    #[serde(default)]
    field_email: String,
    #[serde(default)]
    field_company: String,
    #[serde(default)]
    field_message: String,
    #[serde(default)]
    pipeline_id: String,
    /// `user:ID` or `department:ID`.
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    origins: String,
    #[serde(default)]
    redirect_url: String,
    #[serde(default)]
    active: Option<String>,
}

/// The settings form as shown: each field `off`, `optional` or `required`.
#[derive(Debug, Serialize)]
struct SettingsView {
    name: String,
    fields: BTreeMap<&'static str, String>,
    pipeline_id: Option<i64>,
    assignee: String,
    origins: String,
    redirect_url: String,
    active: bool,
}

impl SettingsForm {
    fn field(&self, f: FormField) -> &str {
        match f {
            FormField::Name => &self.field_name,
            FormField::Phone => &self.field_phone,
            FormField::Email => &self.field_email,
            FormField::Company => &self.field_company,
            FormField::Message => &self.field_message,
        }
    }

    fn echo(&self) -> SettingsView {
        SettingsView {
            name: self.name.clone(),
            fields: FormField::ALL
                .into_iter()
                .map(|f| (f.as_str(), self.field(f).to_string()))
                .collect(),
            pipeline_id: self.pipeline_id.trim().parse().ok(),
            assignee: self.assignee.clone(),
            origins: self.origins.clone(),
            redirect_url: self.redirect_url.clone(),
            active: forms::checked(&self.active),
        }
    }

    fn input(&self) -> Result<LeadFormInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let pipeline_id = optional_id(&mut errors, "pipeline_id", &self.pipeline_id);
        let (mut responsible_id, mut department_id) = (None, None);
        match self.assignee.trim().split_once(':') {
            Some(("user", id)) => responsible_id = optional_id(&mut errors, "assignee", id),
            Some(("department", id)) => department_id = optional_id(&mut errors, "assignee", id),
            _ => {}
        }
        let fields = FormField::ALL
            .into_iter()
            .filter_map(|field| match self.field(field) {
                "required" => Some(FieldSpec {
                    field,
                    required: true,
                }),
                "optional" => Some(FieldSpec {
                    field,
                    required: false,
                }),
                _ => None,
            })
            .collect();
        let input = LeadFormInput {
            name: self.name.clone(),
            fields,
            pipeline_id,
            responsible_id,
            department_id,
            origins: self.origins.clone(),
            redirect_url: self.redirect_url.clone(),
            active: forms::checked(&self.active),
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

fn view_of(input: &LeadFormInput) -> SettingsView {
    SettingsView {
        name: input.name.clone(),
        fields: FormField::ALL
            .into_iter()
            .map(|f| {
                let state = match input.fields.iter().find(|s| s.field == f) {
                    Some(s) if s.required => "required",
                    Some(_) => "optional",
                    None => "off",
                };
                (f.as_str(), state.to_string())
            })
            .collect(),
        pipeline_id: input.pipeline_id,
        assignee: match (input.responsible_id, input.department_id) {
            (Some(u), _) => format!("user:{u}"),
            (None, Some(d)) => format!("department:{d}"),
            _ => String::new(),
        },
        origins: input.origins.clone(),
        redirect_url: input.redirect_url.clone(),
        active: input.active,
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    name: String,
}

/// What the settings form offers: pipelines, active users and departments.
async fn choices(
    state: &web::Data<AppState>,
) -> Result<(Vec<Choice>, Vec<Choice>, Vec<Choice>), WebError> {
    let st = state.clone();
    let (pipelines, users, departments) = blocking(move || {
        Ok((
            st.store.pipelines()?,
            st.store.users()?,
            st.store.departments()?,
        ))
    })
    .await?;
    Ok((
        pipelines
            .into_iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                name: p.name,
            })
            .collect(),
        users
            .into_iter()
            .filter(|u| u.active)
            .map(|u| Choice {
                value: format!("user:{}", u.id),
                name: u.name,
            })
            .collect(),
        departments
            .into_iter()
            .map(|d| Choice {
                value: format!("department:{}", d.id),
                name: d.name,
            })
            .collect(),
    ))
}

async fn settings_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: Option<i64>,
    view: &SettingsView,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let (pipelines, users, departments) = choices(state).await?;
    let mut page = Page::new(state, req, Some(session), "lead_forms");
    page.insert("form", view)
        .insert("form_id", &id)
        .insert(
            "action",
            &id.map_or("/lead-forms".to_string(), |id| format!("/lead-forms/{id}")),
        )
        .insert("field_names", &FormField::ALL.map(|f| f.as_str()))
        .insert("pipelines", &pipelines)
        .insert("users", &users)
        .insert("departments", &departments)
        .errors(errors);
    page.render(state, "lead_forms/form.html")
}

/// Where other sites reach the CRM: `[web] public_url`, else the address this request came to.
fn public_base(state: &AppState, req: &HttpRequest) -> String {
    let configured = state.config.public_url.trim().trim_end_matches('/');
    if configured.is_empty() {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        configured.to_string()
    }
}

#[derive(Serialize)]
struct SnippetField {
    name: &'static str,
    label: String,
    kind: &'static str,
    required: bool,
    autocomplete: &'static str,
}

/// A form's page: its settings, the snippet for the site and, right after it was made or its
/// token replaced, the token (never shown again).
async fn form_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    form: &LeadForm,
    token: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let (pipelines, users, departments) = choices(state).await?;
    let mut page = Page::new(state, req, Some(session), "lead_forms");
    let endpoint = format!("{}/f/{}", public_base(state, req), form.key);
    let lang = crate::pages::language_of(req, Some(session));
    let fields: Vec<SnippetField> = form
        .fields
        .iter()
        .map(|s| {
            let (kind, autocomplete) = match s.field {
                FormField::Name => ("text", "name"),
                FormField::Phone => ("tel", "tel"),
                FormField::Email => ("email", "email"),
                FormField::Company => ("text", "organization"),
                FormField::Message => ("textarea", "off"),
            };
            SnippetField {
                name: s.field.as_str(),
                label: crate::i18n::translate(
                    lang,
                    &format!("lead-form-field-{}", s.field.as_str()),
                    &[],
                ),
                kind,
                required: s.required,
                autocomplete,
            }
        })
        .collect();
    let mut snippet_ctx = tera::Context::new();
    snippet_ctx.insert("lang", lang);
    snippet_ctx.insert("endpoint", &endpoint);
    snippet_ctx.insert("key", &form.key);
    snippet_ctx.insert("fields", &fields);
    snippet_ctx.insert("honeypot", HONEYPOT);
    snippet_ctx.insert("utm_fields", &UTM_FIELDS);
    let snippet = state
        .ui
        .render("lead_forms/snippet.html", &snippet_ctx)
        .map_err(|e| WebError::Internal(format!("template lead_forms/snippet.html: {e:?}")))?;
    let name_of = |list: &[Choice], value: String| {
        list.iter()
            .find(|c| c.value == value)
            .map(|c| c.name.clone())
    };
    let assignee = match form.assignee {
        Assignee::User(u) => name_of(&users, format!("user:{u}")),
        Assignee::Department(d) => name_of(&departments, format!("department:{d}")),
        Assignee::Nobody => None,
    };
    let pipeline = form
        .pipeline_id
        .and_then(|p| name_of(&pipelines, p.to_string()));
    page.insert("lead_form", form)
        .insert("endpoint", &endpoint)
        .insert("snippet", &snippet)
        .insert("token", &token)
        .insert("assignee_name", &assignee)
        .insert("pipeline_name", &pipeline);
    page.render(state, "lead_forms/show.html")
}

/// `GET /lead-forms`
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a) = (state.clone(), actor(&session));
    let all = blocking(move || st.store.lead_forms(&a)).await?;
    let mut page = Page::new(&state, &req, Some(&session), "lead_forms");
    page.insert("lead_forms", &all);
    page.render(&state, "lead_forms/list.html")
}

/// `GET /lead-forms/new`
pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let input = LeadFormInput {
        fields: vec![
            FieldSpec {
                field: FormField::Name,
                required: true,
            },
            FieldSpec {
                field: FormField::Phone,
                required: true,
            },
            FieldSpec {
                field: FormField::Message,
                required: false,
            },
        ],
        responsible_id: Some(session.user.id),
        active: true,
        ..Default::default()
    };
    settings_page(
        &state,
        &req,
        &session,
        None,
        &view_of(&input),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /lead-forms`: the new form's page answers at once (not a redirect), since it is the
/// only time its token is shown.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let draft = match form.input().map(|i| i.validate()) {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            let errors = forms::field_errors(e.into())?;
            return settings_page(&state, &req, &session, None, &form.echo(), &errors).await;
        }
        Err(errors) => {
            return settings_page(&state, &req, &session, None, &form.echo(), &errors).await;
        }
    };
    let (key, token) = (
        auth::new_secret()
            .chars()
            .take(KEY_CHARS)
            .collect::<String>(),
        auth::new_secret(),
    );
    if key.len() < KEY_CHARS || token.is_empty() {
        return Err(WebError::Internal(
            "no random numbers for a form's key".into(),
        ));
    }
    let (st, a, hash) = (state.clone(), actor(&session), auth::secret_hash(&token));
    match blocking(move || st.store.create_lead_form(&a, &draft, &key, &hash)).await {
        Ok(created) => {
            let mut res = form_page(&state, &req, &session, &created, Some(&token)).await?;
            *res.status_mut() = StatusCode::CREATED;
            Ok(res)
        }
        Err(e) => {
            let errors = forms::field_errors(e)?;
            settings_page(&state, &req, &session, None, &form.echo(), &errors).await
        }
    }
}

/// `GET /lead-forms/{id}`
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let form = blocking(move || st.store.lead_form(&a, id)).await?;
    form_page(&state, &req, &session, &form, None).await
}

/// `GET /lead-forms/{id}/edit`
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let form = blocking(move || st.store.lead_form(&a, id)).await?;
    let view = view_of(&form.to_input());
    settings_page(&state, &req, &session, Some(id), &view, &FieldErrors::new()).await
}

/// `POST /lead-forms/{id}`: saves the settings; unticking "active" turns the form off.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let draft = match form.input().map(|i| i.validate()) {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => {
            let errors = forms::field_errors(e.into())?;
            return settings_page(&state, &req, &session, Some(id), &form.echo(), &errors).await;
        }
        Err(errors) => {
            return settings_page(&state, &req, &session, Some(id), &form.echo(), &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    match blocking(move || st.store.update_lead_form(&a, id, &draft)).await {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/lead-forms/{id}"),
            "flash-lead-form-saved",
        )),
        Err(e) => {
            let errors = forms::field_errors(e)?;
            settings_page(&state, &req, &session, Some(id), &form.echo(), &errors).await
        }
    }
}

/// `POST /lead-forms/{id}/token`: a new token; the old one stops working.
pub async fn new_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let token = auth::new_secret();
    if token.is_empty() {
        return Err(WebError::Internal("no random numbers for a token".into()));
    }
    let (st, a, id, hash) = (
        state.clone(),
        actor(&session),
        id.into_inner(),
        auth::secret_hash(&token),
    );
    let form = blocking(move || {
        st.store.set_lead_form_token(&a, id, &hash)?;
        st.store.lead_form(&a, id)
    })
    .await?;
    form_page(&state, &req, &session, &form, Some(&token)).await
}

/// `POST /lead-forms/{id}/delete`: the leads it brought in stay.
pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.delete_lead_form(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        "/lead-forms",
        "flash-lead-form-deleted",
    ))
}
