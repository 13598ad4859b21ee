//! `crm user`: add, list, reset a password.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use crm_core::{Actor, Role, UserDraft};

use crate::settings::Location;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        #[arg(long)]
        email: String,
        /// File holding the password.
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
        /// admin or manager.
        #[arg(long, default_value = "manager")]
        role: String,
        /// Display name (the e-mail if not given).
        #[arg(long, default_value = "")]
        name: String,
        /// Interface language: en or ru.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// List users.
    List,
    /// Set a new password (signs the user out everywhere).
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
    },
}

pub fn run(location: &Location, cmd: UserCommand) -> Result<()> {
    let (_, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    match cmd {
        UserCommand::Add {
            email,
            password_file,
            role,
            name,
            locale,
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("--role must be admin or manager, not {role:?}");
            };
            let password = super::read_password(&password_file)?;
            let draft = UserDraft::new(&email, &name, role, &locale).map_err(|e| match e {
                crm_core::Error::Invalid(f) => anyhow::anyhow!(
                    "cannot add the user: {}",
                    f.iter()
                        .map(|e| format!(
                            "{}: {}",
                            e.field,
                            crm_web::i18n::translate("en", e.code, &[])
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => anyhow::anyhow!("cannot add the user: {other}"),
            })?;
            let hash = crm_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            let user = store
                .create_user(&Actor::system(), &draft, &hash)
                .map_err(|e| match e.domain() {
                    Some(crm_core::Error::Invalid(_)) => {
                        anyhow::anyhow!("a user with the e-mail {email} exists already")
                    }
                    _ => anyhow::Error::new(e),
                })?;
            println!(
                "Added {} ({}) with id {}.",
                user.email,
                user.role.as_str(),
                user.id
            );
        }
        UserCommand::List => {
            println!(
                "{:>6}  {:<8}  {:<6}  {:<32}  name",
                "id", "role", "active", "e-mail"
            );
            for u in store.users()? {
                println!(
                    "{:>6}  {:<8}  {:<6}  {:<32}  {}",
                    u.id,
                    u.role.as_str(),
                    if u.active { "yes" } else { "no" },
                    u.email,
                    u.name
                );
            }
        }
        UserCommand::ResetPassword {
            email,
            password_file,
        } => {
            let password = super::read_password(&password_file)?;
            let (user, _) = store
                .user_for_login(&email)?
                .with_context(|| format!("there is no user with the e-mail {email}"))?;
            let hash = crm_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            store.set_password(&Actor::system(), user.id, &hash)?;
            println!(
                "New password set for {}; their sessions were ended.",
                user.email
            );
        }
    }
    Ok(())
}
