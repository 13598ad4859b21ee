//! Departments: a head and their people. A head sees and manages the tasks of their people
//! and hears when those tasks run late.

use chrono::Utc;
use crm_core::{Actor, Error};
use diesel::prelude::*;

use crate::conn::Store;
use crate::error::StoreResult;
use crate::schema::{department_members, departments, users};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub head_id: Option<i64>,
    pub members: Vec<i64>,
}

impl Store {
    /// Adds a department (or, by name, updates its head); administrators only.
    pub fn save_department(
        &self,
        actor: &Actor,
        name: &str,
        head_id: Option<i64>,
    ) -> StoreResult<Department> {
        if !actor.is_admin() {
            return Err(Error::Forbidden.into());
        }
        let name = crm_core::text::squish(name);
        if name.is_empty() {
            return Err(Error::invalid("name", "error-required").into());
        }
        self.write(|conn| {
            crate::users::check_responsible(conn, head_id)?;
            let found: Option<i64> = departments::table
                .filter(departments::name.eq(&name))
                .select(departments::id)
                .first(conn)
                .optional()?;
            let id = match found {
                Some(id) => {
                    diesel::update(departments::table.find(id))
                        .set(departments::head_id.eq(head_id))
                        .execute(conn)?;
                    id
                }
                None => diesel::insert_into(departments::table)
                    .values((
                        departments::name.eq(&name),
                        departments::head_id.eq(head_id),
                        departments::created_at.eq(Utc::now().naive_utc()),
                    ))
                    .returning(departments::id)
                    .get_result(conn)?,
            };
            crate::audit::record(
                conn,
                actor,
                "save",
                "department",
                id,
                serde_json::json!({"name": name, "head_id": head_id}),
            )?;
            Ok(Department {
                id,
                name: name.clone(),
                head_id,
                members: department_members::table
                    .filter(department_members::department_id.eq(id))
                    .select(department_members::user_id)
                    .load(conn)?,
            })
        })
    }

    /// Puts a user in a department (one at a time), or in none.
    pub fn set_user_department(
        &self,
        actor: &Actor,
        user_id: i64,
        department_id: Option<i64>,
    ) -> StoreResult<()> {
        if !actor.is_admin() {
            return Err(Error::Forbidden.into());
        }
        self.write(|conn| {
            users::table
                .find(user_id)
                .select(users::id)
                .first::<i64>(conn)?;
            diesel::delete(department_members::table.find(user_id)).execute(conn)?;
            if let Some(d) = department_id {
                departments::table
                    .find(d)
                    .select(departments::id)
                    .first::<i64>(conn)?;
                diesel::insert_into(department_members::table)
                    .values((
                        department_members::user_id.eq(user_id),
                        department_members::department_id.eq(d),
                    ))
                    .execute(conn)?;
            }
            crate::audit::record(
                conn,
                actor,
                "department",
                "user",
                user_id,
                serde_json::json!({"department_id": department_id}),
            )
        })
    }

    pub fn departments(&self) -> StoreResult<Vec<Department>> {
        self.read(|conn| {
            let rows: Vec<(i64, String, Option<i64>)> = departments::table
                .order(departments::name)
                .select((departments::id, departments::name, departments::head_id))
                .load(conn)?;
            let members: Vec<(i64, i64)> = department_members::table
                .select((
                    department_members::department_id,
                    department_members::user_id,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, name, head_id)| Department {
                    id,
                    name,
                    head_id,
                    members: members.iter().filter(|m| m.0 == id).map(|m| m.1).collect(),
                })
                .collect())
        })
    }
}
