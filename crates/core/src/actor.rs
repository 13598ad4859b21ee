//! Who is acting, and what they may see and change. Every store call takes an [`Actor`]; the
//! store turns [`Actor::scope`] into a `WHERE` clause, so UI, API, search and exports share one
//! policy. New roles and object kinds extend the two matches below, not the queries.

/// A user's role. Full role management (custom roles, departments) extends this later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// The kinds of record the policy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Contact,
    Company,
    Lead,
    Deal,
    Product,
    Pipeline,
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Create,
    Edit,
    Delete,
}

/// Which records of a kind an action may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every record.
    All,
    /// Records the user is responsible for, and records marked visible to everyone.
    OwnOrPublic(i64),
    /// Only records the user is responsible for.
    Own(i64),
    /// No record at all.
    None,
}

/// The user (or the system) on whose behalf an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    user_id: Option<i64>,
    role: Role,
}

impl Actor {
    pub fn user(user_id: i64, role: Role) -> Actor {
        Actor {
            user_id: Some(user_id),
            role,
        }
    }

    /// Background jobs and admin commands: sees everything, and says so in the audit trail.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            role: Role::Admin,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The records of `kind` this actor may apply `action` to.
    pub fn scope(&self, kind: ObjectKind, action: Action) -> Scope {
        let Some(uid) = self.user_id else {
            return Scope::All;
        };
        use ObjectKind::*;
        match (self.role, kind, action) {
            (Role::Admin, _, _) => Scope::All,
            (Role::Manager, Contact | Company | Deal, Action::View) => Scope::OwnOrPublic(uid),
            // Leads have no "visible to everyone": a request belongs to whoever works it.
            (Role::Manager, Contact | Company | Deal | Lead, _) => Scope::Own(uid),
            // Everyone sells from the same catalogue and pipelines; only admins shape them.
            (Role::Manager, Product | Pipeline, Action::View) => Scope::All,
            (Role::Manager, Product | Pipeline, _) => Scope::None,
        }
    }

    /// The responsible user a new or edited record gets. Managers cannot hand records to
    /// someone else (they would lose them and could push records onto colleagues); admins may
    /// pick anyone, and a record nobody was named for falls to its creator.
    pub fn responsible_for(&self, requested: Option<i64>) -> Result<Option<i64>, &'static str> {
        match (self.role, self.user_id, requested) {
            (Role::Admin, _, Some(r)) => Ok(Some(r)),
            (Role::Admin, uid, None) => Ok(uid),
            (Role::Manager, Some(uid), Some(r)) if r != uid => Err("error-responsible-not-allowed"),
            (Role::Manager, uid, _) => Ok(uid),
        }
    }
}

impl Scope {
    /// Whether a record with this owner and visibility is inside the scope (for checks on a
    /// record already in hand; lists use the store's `WHERE` form of the same rule).
    pub fn allows(&self, responsible_id: Option<i64>, visible_to_all: bool) -> bool {
        match *self {
            Scope::All => true,
            Scope::OwnOrPublic(uid) => visible_to_all || responsible_id == Some(uid),
            Scope::Own(uid) => responsible_id == Some(uid),
            Scope::None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_see_own_and_public_but_edit_only_own() {
        let m = Actor::user(7, Role::Manager);
        let view = m.scope(ObjectKind::Contact, Action::View);
        assert!(view.allows(Some(7), false));
        assert!(view.allows(Some(8), true));
        assert!(!view.allows(Some(8), false));
        assert!(!view.allows(None, false));
        let edit = m.scope(ObjectKind::Company, Action::Edit);
        assert!(edit.allows(Some(7), false));
        assert!(!edit.allows(Some(8), true));
    }

    #[test]
    fn managers_use_but_do_not_shape_catalogue_and_pipelines() {
        let m = Actor::user(7, Role::Manager);
        assert_eq!(m.scope(ObjectKind::Product, Action::View), Scope::All);
        assert_eq!(m.scope(ObjectKind::Pipeline, Action::Edit), Scope::None);
        assert!(!Scope::None.allows(Some(7), true));
        assert_eq!(m.scope(ObjectKind::Lead, Action::View), Scope::Own(7));
        assert_eq!(
            m.scope(ObjectKind::Deal, Action::View),
            Scope::OwnOrPublic(7)
        );
    }

    #[test]
    fn admins_and_system_see_all() {
        assert_eq!(
            Actor::user(1, Role::Admin).scope(ObjectKind::Contact, Action::Delete),
            Scope::All
        );
        assert_eq!(
            Actor::system().scope(ObjectKind::Company, Action::View),
            Scope::All
        );
    }

    #[test]
    fn managers_cannot_assign_others() {
        let m = Actor::user(7, Role::Manager);
        assert_eq!(m.responsible_for(None), Ok(Some(7)));
        assert_eq!(m.responsible_for(Some(7)), Ok(Some(7)));
        assert!(m.responsible_for(Some(8)).is_err());
        assert_eq!(
            Actor::user(1, Role::Admin).responsible_for(Some(8)),
            Ok(Some(8))
        );
        assert_eq!(
            Actor::user(1, Role::Admin).responsible_for(None),
            Ok(Some(1))
        );
    }
}
