//! The pages every kind of card shares — list, card, edit form, create, update, delete —
//! written once over [`CardPages`]; each kind adds its form and what its card shows besides.

use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{Action, Actor, FieldErrors};
use crm_store::{Duplicates, Store, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::{self, actor};
use crate::pages::listing::ListParams;
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash};
use crate::records::{Listed, Record};
use crate::state::AppState;

/// What the pages of one kind of card need beyond its [`Record`] mapping.
pub trait CardPages: Record {
    /// The form as posted.
    type Form: DeserializeOwned + 'static;
    /// The values the form template shows.
    type View: Serialize;

    fn csrf(form: &Self::Form) -> &str;
    /// Whether the user ticked "create anyway" over a duplicate warning.
    fn confirmed(form: &Self::Form) -> bool;
    /// The form's values as posted, to show again with its errors.
    fn echo(form: &Self::Form) -> Self::View;
    /// A stored record as form values, for its edit form.
    fn view_of(record: &Self::Full) -> Self::View;
    /// The posted form as a checked draft, or every problem found.
    fn draft(
        state: &web::Data<AppState>,
        session: &Session,
        form: &Self::Form,
    ) -> impl Future<Output = Result<Result<Self::Draft, FieldErrors>, WebError>>;
    /// Where the form's "cancel" leads: the card, or the list for a new card.
    fn cancel_url(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/{}/{id}", Self::PATH),
            None => format!("/{}", Self::PATH),
        }
    }
    /// What the form needs besides its values (choices of selects...), as template variables.
    fn form_extras(
        _state: &web::Data<AppState>,
        _session: &Session,
        _id: Option<i64>,
    ) -> impl Future<Output = Result<Vec<(&'static str, serde_json::Value)>, WebError>> {
        async { Ok(Vec::new()) }
    }
    /// What the card shows besides the record itself, as template variables.
    fn card_extras(
        _store: &Store,
        _actor: &Actor,
        _id: i64,
    ) -> StoreResult<Vec<(&'static str, serde_json::Value)>> {
        Ok(Vec::new())
    }
}

/// A client's deals as its card lists them.
pub fn client_deals(
    store: &Store,
    actor: &Actor,
    contact_id: Option<i64>,
    company_id: Option<i64>,
) -> StoreResult<serde_json::Value> {
    let rows = store.client_deals(actor, contact_id, company_id)?;
    Ok(rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "title": r.title,
                "stage_name": r.stage_name,
                "stage_color": r.stage_color,
                "stage_kind": r.stage_kind.as_str(),
                "amount": format!("{}\u{a0}{}", r.amount_text, r.currency.code()),
                "expected_close": r.expected_close.map(|d| d.to_string()),
            })
        })
        .collect())
}

fn may<R: Record>(actor: &Actor, action: Action, record: &R::Full) -> bool {
    let (responsible, public) = R::owner(record);
    actor.scope(R::KIND, action).allows(responsible, public)
}

pub async fn list<R: CardPages + Listed>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let q = params.query();
    let (st, a, query) = (state.clone(), actor(&session), q.clone());
    let rows = blocking(move || R::list(&st.store, &a, &query)).await?;
    let users = forms::responsible_options(&state, &session).await?;
    let mut page = Page::new(&state, &req, Some(&session), R::PATH);
    params.links(&mut page, &format!("/{}", R::PATH), &q, rows.has_next);
    page.insert("rows", &rows.items).insert("users", &users);
    page.render(&state, &format!("{}/list.html", R::PATH))
}

pub async fn card<R: CardPages>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let (record, extras) = blocking(move || {
        Ok((
            R::get(&st.store, &a, id)?,
            R::card_extras(&st.store, &a, id)?,
        ))
    })
    .await?;
    let a = actor(&session);
    let mut view = serde_json::to_value(&record).map_err(|e| WebError::Internal(e.to_string()))?;
    for key in ["created_at", "updated_at", "converted_at", "closed_at"] {
        if let Some(t) = view[key].as_str().and_then(|t| t.parse().ok()) {
            view[key] = super::when(session.zone, t).into();
        }
    }
    let mut page = Page::new(&state, &req, Some(&session), R::PATH);
    page.insert(R::ONE, &view)
        .insert("can_edit", &may::<R>(&a, Action::Edit, &record))
        .insert("can_delete", &may::<R>(&a, Action::Delete, &record));
    for (key, value) in extras {
        page.insert(key, &value);
    }
    let card = match R::KIND {
        crm_core::ObjectKind::Contact => Some(crm_core::CardRef::Contact(id)),
        crm_core::ObjectKind::Company => Some(crm_core::CardRef::Company(id)),
        crm_core::ObjectKind::Deal => Some(crm_core::CardRef::Deal(id)),
        crm_core::ObjectKind::Lead => Some(crm_core::CardRef::Lead(id)),
        _ => None,
    };
    if let Some(card) = card {
        super::timeline::extend(&mut page, &state, &req, &session, card).await?;
    }
    page.render(&state, &format!("{}/card.html", R::PATH))
}

pub async fn edit<R: CardPages>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let record = blocking(move || R::get(&st.store, &a, id)).await?;
    if !may::<R>(&actor(&session), Action::Edit, &record) {
        return Err(crm_core::Error::Forbidden.into());
    }
    form_page::<R>(
        &state,
        &req,
        &session,
        Some(id),
        &R::view_of(&record),
        &Duplicates::default(),
        &FieldErrors::new(),
    )
    .await
}

/// The create or edit form, with errors and duplicate warnings if any.
pub async fn form_page<R: CardPages>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: Option<i64>,
    view: &R::View,
    duplicates: &Duplicates,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let users = forms::responsible_options(state, session).await?;
    let mut page = Page::new(state, req, Some(session), R::PATH);
    let target = match id {
        Some(id) => format!("/{}/{id}", R::PATH),
        None => format!("/{}", R::PATH),
    };
    page.insert("is_new", &id.is_none())
        .insert("action", &target)
        .insert("cancel_url", &R::cancel_url(id))
        .insert(
            "delete_url",
            &id.map(|id| format!("/{}/{id}/delete", R::PATH)),
        )
        .insert("form", view);
    for (key, value) in R::form_extras(state, session, id).await? {
        page.insert(key, &value);
    }
    forms::decorate(&mut page, &users, duplicates, errors);
    page.render(state, &format!("{}/form.html", R::PATH))
}

pub async fn create<R: CardPages>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<R::Form>,
) -> Result<HttpResponse, WebError> {
    save::<R>(state, req, session, None, form.into_inner()).await
}

pub async fn update<R: CardPages>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<R::Form>,
) -> Result<HttpResponse, WebError> {
    save::<R>(
        state,
        req,
        session,
        Some(id.into_inner()),
        form.into_inner(),
    )
    .await
}

/// Creates (`id` none) or updates a card from its posted form: back to the form with every
/// problem, or (for a new card sharing a phone or e-mail) with the possible duplicates, else
/// on to the card.
async fn save<R: CardPages>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: Option<i64>,
    form: R::Form,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(R::csrf(&form))?;
    let view = R::echo(&form);
    let again = |duplicates: Duplicates, errors: FieldErrors| {
        let (state, req, session) = (state.clone(), req.clone(), session.clone());
        async move { form_page::<R>(&state, &req, &session, id, &view, &duplicates, &errors).await }
    };
    let draft = match R::draft(&state, &session, &form).await? {
        Ok(d) => d,
        Err(errors) => return again(Duplicates::default(), errors).await,
    };
    if id.is_none() && !R::confirmed(&form) {
        let (st, a, d) = (state.clone(), actor(&session), draft.clone());
        let dups = blocking(move || R::duplicates(&st.store, &a, &d)).await?;
        if !dups.is_empty() {
            return again(dups, FieldErrors::new()).await;
        }
    }
    let (st, a) = (state.clone(), actor(&session));
    let saved = blocking(move || match id {
        Some(id) => R::update(&st.store, &a, id, &draft),
        None => R::create(&st.store, &a, &draft),
    })
    .await;
    match saved {
        Ok(r) => {
            let done = if id.is_some() { "updated" } else { "created" };
            let to = format!("/{}/{}", R::PATH, R::id(&r));
            Ok(redirect_with_flash(
                &state,
                &to,
                &format!("flash-{}-{done}", R::ONE),
            ))
        }
        Err(e) => again(Duplicates::default(), forms::field_errors(e)?).await,
    }
}

/// An empty form for a new card, filled in with `view`.
pub async fn new_form<R: CardPages>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    view: &R::View,
) -> Result<HttpResponse, WebError> {
    form_page::<R>(
        state,
        req,
        session,
        None,
        view,
        &Duplicates::default(),
        &FieldErrors::new(),
    )
    .await
}

pub async fn delete<R: CardPages>(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let files = blocking(move || R::delete(&st.store, &a, id)).await?;
    crate::files::remove(&state.files, &files);
    Ok(redirect_with_flash(
        &state,
        &format!("/{}", R::PATH),
        &format!("flash-{}-deleted", R::ONE),
    ))
}
