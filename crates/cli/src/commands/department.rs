//! `crm department`: departments and their heads. A head sees their people's tasks and
//! calendar and hears when those tasks run late.

use anyhow::{Context, Result, bail};
use crm_core::Actor;
use crm_store::Store;

use crate::settings::Location;

#[derive(clap::Subcommand)]
pub enum DepartmentCommand {
    /// Add a department, or change the head of an existing one.
    Save {
        /// The department's name.
        name: String,
        /// E-mail of its head.
        #[arg(long)]
        head: Option<String>,
    },
    /// Put a user into a department (`--department ""` takes them out).
    Assign {
        #[arg(long)]
        email: String,
        #[arg(long)]
        department: String,
    },
    /// List departments with their heads and people.
    List,
}

fn user_id(store: &Store, email: &str) -> Result<i64> {
    let (user, _) = store
        .user_for_login(email)?
        .with_context(|| format!("there is no user with the e-mail {email}"))?;
    Ok(user.id)
}

pub fn run(location: &Location, cmd: DepartmentCommand) -> Result<()> {
    let (_, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    let system = Actor::system();
    match cmd {
        DepartmentCommand::Save { name, head } => {
            let head = head.map(|e| user_id(&store, &e)).transpose()?;
            let d = store.save_department(&system, &name, head)?;
            println!("Saved department {} (id {}).", d.name, d.id);
        }
        DepartmentCommand::Assign { email, department } => {
            let uid = user_id(&store, &email)?;
            let target = if department.trim().is_empty() {
                None
            } else {
                let found = store
                    .departments()?
                    .into_iter()
                    .find(|d| d.name == department.trim());
                let Some(d) = found else {
                    bail!(
                        "there is no department {department:?}: add it with `crm department save`"
                    );
                };
                Some(d.id)
            };
            store.set_user_department(&system, uid, target)?;
            println!(
                "{email} is now in {}.",
                if target.is_some() {
                    department.trim()
                } else {
                    "no department"
                }
            );
        }
        DepartmentCommand::List => {
            let users = store.users()?;
            let name = |id: i64| {
                users
                    .iter()
                    .find(|u| u.id == id)
                    .map_or("?", |u| u.email.as_str())
            };
            for d in store.departments()? {
                let people: Vec<&str> = d.members.iter().map(|&m| name(m)).collect();
                println!(
                    "{}  head: {}  people: {}",
                    d.name,
                    d.head_id.map_or("none", name),
                    if people.is_empty() {
                        "none".to_string()
                    } else {
                        people.join(", ")
                    }
                );
            }
        }
    }
    Ok(())
}
