//! `crm token`: API tokens for integrations. The token is printed once; only its hash is kept.
//! The CLI acts as the system, so it may list and revoke anyone's tokens.

use anyhow::{Context, Result, bail};
use crm_core::{Actor, TokenScope};

use crate::settings::Location;

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token acting as a user, with that user's permissions.
    Create {
        /// The user's e-mail.
        #[arg(long)]
        user: String,
        /// What the token is for (e.g. "website forms").
        #[arg(long, default_value = "api")]
        name: String,
        /// read (GET only) or write (everything the user may do).
        #[arg(long, default_value = "write")]
        scope: String,
    },
    /// List tokens (never their secrets): everyone's, or one user's.
    List {
        /// Only this user's tokens (their e-mail).
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id (see `crm token list`): it is refused from then on.
    Revoke { id: i64 },
}

pub fn run(location: &Location, cmd: TokenCommand) -> Result<()> {
    let (_, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    let system = Actor::system();
    match cmd {
        TokenCommand::Create { user, name, scope } => {
            let Some(scope) = TokenScope::parse(&scope) else {
                bail!("--scope must be read or write, not {scope:?}");
            };
            let name = crm_core::api::token_name(&name)
                .map_err(|_| anyhow::anyhow!("--name must be 1 to 100 characters"))?;
            let u = user_by_email(&store, &user)?;
            let token = crm_web::auth::new_secret();
            anyhow::ensure!(!token.is_empty(), "no entropy source for a token");
            let id = store.create_scoped_api_token(
                &system,
                u.id,
                &name,
                &crm_web::auth::secret_hash(&token),
                scope,
            )?;
            eprintln!(
                "Token {id} ({}) for {} created. It is shown only now; store it safely:",
                scope.as_str(),
                u.email
            );
            println!("{token}");
        }
        TokenCommand::List { user } => {
            let owner = user
                .map(|e| user_by_email(&store, &e).map(|u| u.id))
                .transpose()?;
            println!(
                "{:>6}  {:<32}  {:<5}  {:<16}  {:<16}  {:<16}  name",
                "id", "user", "scope", "created", "last used", "revoked"
            );
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "-".to_string(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            for t in store.api_tokens(&system, owner)? {
                println!(
                    "{:>6}  {:<32}  {:<5}  {:<16}  {:<16}  {:<16}  {}",
                    t.id,
                    t.user_email,
                    t.scope.as_str(),
                    time(Some(t.created_at)),
                    time(t.last_used_at),
                    time(t.revoked_at),
                    t.name
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let t = store
                .revoke_api_token(&system, id)
                .map_err(|e| match e.domain() {
                    Some(crm_core::Error::NotFound) => {
                        anyhow::anyhow!("there is no API token with the id {id}")
                    }
                    _ => anyhow::Error::new(e),
                })?;
            println!(
                "Token {} ({}) of {} is revoked.",
                t.id, t.name, t.user_email
            );
        }
    }
    Ok(())
}

fn user_by_email(store: &crm_store::Store, email: &str) -> Result<crm_core::User> {
    let (u, _) = store
        .user_for_login(email)?
        .with_context(|| format!("there is no user with the e-mail {email}"))?;
    Ok(u)
}
