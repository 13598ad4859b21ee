//! `crm token`: API tokens for integrations. The token is printed once; only its hash is kept.

use anyhow::{Context, Result};

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
    },
}

pub fn run(location: &Location, cmd: TokenCommand) -> Result<()> {
    let (_, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    match cmd {
        TokenCommand::Create { user, name } => {
            let (u, _) = store
                .user_for_login(&user)?
                .with_context(|| format!("there is no user with the e-mail {user}"))?;
            let token = crm_web::auth::new_secret();
            anyhow::ensure!(!token.is_empty(), "no entropy source for a token");
            store.create_api_token(u.id, &name, &crm_web::auth::secret_hash(&token))?;
            eprintln!(
                "Token for {} created. It is shown only now; store it safely:",
                u.email
            );
            println!("{token}");
        }
    }
    Ok(())
}
