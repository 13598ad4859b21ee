//! Pipelines, their stages, and the reasons a deal can be lost. Everyone reads them; only
//! administrators shape them. A stage is archived rather than deleted, and only once its deals
//! have moved elsewhere: no deal is ever orphaned, and the stage history keeps its names.

use chrono::Utc;
use crm_core::{
    Action, Actor, Error, ObjectKind, Pipeline, PipelineDraft, Stage, StageInput, StageKind,
};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::{deal_stage_changes, deals, lost_reasons, pipelines, stages};
use crate::scope::check_all;

#[derive(Queryable, Selectable)]
#[diesel(table_name = stages)]
struct StageRecord {
    id: i64,
    pipeline_id: i64,
    name: String,
    position: i32,
    probability: i32,
    color: String,
    kind: String,
}

impl From<StageRecord> for Stage {
    fn from(r: StageRecord) -> Stage {
        Stage {
            id: r.id,
            pipeline_id: r.pipeline_id,
            name: r.name,
            position: r.position,
            probability: r.probability,
            color: r.color,
            // The column's CHECK admits only the three kinds.
            kind: StageKind::parse(&r.kind).unwrap_or(StageKind::Open),
        }
    }
}

/// A reason a deal was lost, as the administrator keeps the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct LostReason {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Every pipeline with its current stages, in order.
pub(crate) fn load_all(conn: &mut DbConn) -> StoreResult<Vec<Pipeline>> {
    let heads: Vec<(i64, String, i32)> = pipelines::table
        .order((pipelines::position, pipelines::id))
        .select((pipelines::id, pipelines::name, pipelines::position))
        .load(conn)?;
    let all: Vec<StageRecord> = stages::table
        .filter(stages::archived.eq(false))
        .order((stages::pipeline_id, stages::position, stages::id))
        .select(StageRecord::as_select())
        .load(conn)?;
    let mut out: Vec<Pipeline> = heads
        .into_iter()
        .map(|(id, name, position)| Pipeline {
            id,
            name,
            position,
            stages: Vec::new(),
        })
        .collect();
    for s in all {
        if let Some(p) = out.iter_mut().find(|p| p.id == s.pipeline_id) {
            p.stages.push(s.into());
        }
    }
    Ok(out)
}

/// One pipeline with its current stages.
pub(crate) fn load(conn: &mut DbConn, id: i64) -> StoreResult<Pipeline> {
    let (id, name, position): (i64, String, i32) = pipelines::table
        .find(id)
        .select((pipelines::id, pipelines::name, pipelines::position))
        .first(conn)?;
    let stages: Vec<StageRecord> = stages::table
        .filter(stages::pipeline_id.eq(id))
        .filter(stages::archived.eq(false))
        .order((stages::position, stages::id))
        .select(StageRecord::as_select())
        .load(conn)?;
    Ok(Pipeline {
        id,
        name,
        position,
        stages: stages.into_iter().map(Stage::from).collect(),
    })
}

/// The pipeline a stage belongs to (the stage must be current).
fn pipeline_of(conn: &mut DbConn, stage_id: i64) -> StoreResult<Pipeline> {
    let pid: i64 = stages::table
        .filter(stages::id.eq(stage_id))
        .filter(stages::archived.eq(false))
        .select(stages::pipeline_id)
        .first(conn)?;
    load(conn, pid)
}

/// A pipeline must keep an open, a won and a lost stage, so every deal can be worked and closed.
fn check_kinds(p: &Pipeline) -> StoreResult<()> {
    for kind in [StageKind::Open, StageKind::Won, StageKind::Lost] {
        if !p.stages.iter().any(|s| s.kind == kind) {
            return Err(Error::invalid("kind", "error-stages-need-each-kind").into());
        }
    }
    Ok(())
}

/// Renumbers a pipeline's current stages 0, 1, 2... in the order given.
fn renumber(conn: &mut DbConn, ids: &[i64]) -> StoreResult<()> {
    for (i, id) in ids.iter().enumerate() {
        diesel::update(stages::table.find(id))
            .set(stages::position.eq(i32::try_from(i).unwrap_or(i32::MAX)))
            .execute(conn)?;
    }
    Ok(())
}

fn insert_stage(
    conn: &mut DbConn,
    pipeline_id: i64,
    s: &StageInput,
    position: i32,
) -> StoreResult<i64> {
    Ok(diesel::insert_into(stages::table)
        .values((
            stages::pipeline_id.eq(pipeline_id),
            stages::name.eq(&s.name),
            stages::position.eq(position),
            stages::probability.eq(s.probability),
            stages::color.eq(&s.color),
            stages::kind.eq(s.kind.as_str()),
            stages::archived.eq(false),
        ))
        .returning(stages::id)
        .get_result(conn)?)
}

fn touch(conn: &mut DbConn, pipeline_id: i64) -> StoreResult<()> {
    diesel::update(pipelines::table.find(pipeline_id))
        .set(pipelines::updated_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
    Ok(())
}

impl Store {
    /// Every pipeline with its stages; everyone who sells may read them.
    pub fn pipelines(&self) -> StoreResult<Vec<Pipeline>> {
        self.read(load_all)
    }

    pub fn pipeline(&self, id: i64) -> StoreResult<Pipeline> {
        self.read(|conn| load(conn, id))
    }

    pub fn create_pipeline(&self, actor: &Actor, draft: &PipelineDraft) -> StoreResult<Pipeline> {
        check_all(actor, ObjectKind::Pipeline, Action::Create)?;
        if draft.stages.iter().any(|s| s.id.is_some()) {
            return Err(Error::invalid("stages", "error-stage-not-found").into());
        }
        self.write(|conn| {
            let now = Utc::now().naive_utc();
            let last: Option<i32> = pipelines::table
                .select(diesel::dsl::max(pipelines::position))
                .first(conn)?;
            let id: i64 = diesel::insert_into(pipelines::table)
                .values((
                    pipelines::name.eq(&draft.name),
                    pipelines::position.eq(last.map_or(0, |p| p + 1)),
                    pipelines::created_at.eq(now),
                    pipelines::updated_at.eq(now),
                ))
                .returning(pipelines::id)
                .get_result(conn)?;
            for (i, s) in draft.stages.iter().enumerate() {
                insert_stage(conn, id, s, i32::try_from(i).unwrap_or(i32::MAX))?;
            }
            let p = load(conn, id)?;
            audit::record(conn, actor, "create", "pipeline", id, audit::snapshot(&p))?;
            Ok(p)
        })
    }

    pub fn rename_pipeline(&self, actor: &Actor, id: i64, name: &str) -> StoreResult<Pipeline> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::update(pipelines::table.find(id))
                .set((
                    pipelines::name.eq(name),
                    pipelines::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let changes = serde_json::json!({ "name": [before.name, name] });
            audit::record(conn, actor, "update", "pipeline", id, changes)?;
            load(conn, id)
        })
    }

    /// Deletes a pipeline that holds no deals (move or delete them first).
    pub fn delete_pipeline(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        check_all(actor, ObjectKind::Pipeline, Action::Delete)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            let used: i64 = deals::table
                .filter(deals::pipeline_id.eq(id))
                .count()
                .get_result(conn)?;
            if used > 0 {
                return Err(Error::Conflict("error-pipeline-holds-deals").into());
            }
            if pipelines::table.count().get_result::<i64>(conn)? <= 1 {
                return Err(Error::Conflict("error-last-pipeline").into());
            }
            let stage_ids: Vec<i64> = stages::table
                .filter(stages::pipeline_id.eq(id))
                .select(stages::id)
                .load(conn)?;
            // History rows of deals long deleted may still name these stages.
            diesel::delete(
                deal_stage_changes::table
                    .filter(deal_stage_changes::to_stage_id.eq_any(&stage_ids)),
            )
            .execute(conn)?;
            diesel::update(
                deal_stage_changes::table
                    .filter(deal_stage_changes::from_stage_id.eq_any(&stage_ids)),
            )
            .set(deal_stage_changes::from_stage_id.eq(None::<i64>))
            .execute(conn)?;
            diesel::delete(stages::table.filter(stages::pipeline_id.eq(id))).execute(conn)?;
            diesel::delete(pipelines::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                actor,
                "delete",
                "pipeline",
                id,
                audit::snapshot(&before),
            )
        })
    }

    /// Adds a stage at the end of a pipeline (before its closed stages when it is open).
    pub fn add_stage(
        &self,
        actor: &Actor,
        pipeline_id: i64,
        stage: &StageInput,
    ) -> StoreResult<Stage> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let p = load(conn, pipeline_id)?;
            let id = insert_stage(conn, pipeline_id, stage, 0)?;
            let mut order: Vec<i64> = p.stages.iter().map(|s| s.id).collect();
            let at = if stage.kind == StageKind::Open {
                p.stages
                    .iter()
                    .position(|s| s.kind.is_closed())
                    .unwrap_or(order.len())
            } else {
                order.len()
            };
            order.insert(at, id);
            renumber(conn, &order)?;
            touch(conn, pipeline_id)?;
            audit::record(conn, actor, "create", "stage", id, audit::snapshot(stage))?;
            let p = load(conn, pipeline_id)?;
            p.stage(id).cloned().ok_or_else(|| Error::NotFound.into())
        })
    }

    /// Changes a stage's name, probability, colour or kind. Deals in it follow a change of
    /// kind (their state and close time), so lists and reports stay true.
    pub fn update_stage(
        &self,
        actor: &Actor,
        stage_id: i64,
        stage: &StageInput,
    ) -> StoreResult<Stage> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let mut p = pipeline_of(conn, stage_id)?;
            let before = p.stage(stage_id).cloned().ok_or(Error::NotFound)?;
            diesel::update(stages::table.find(stage_id))
                .set((
                    stages::name.eq(&stage.name),
                    stages::probability.eq(stage.probability),
                    stages::color.eq(&stage.color),
                    stages::kind.eq(stage.kind.as_str()),
                ))
                .execute(conn)?;
            if let Some(s) = p.stages.iter_mut().find(|s| s.id == stage_id) {
                s.kind = stage.kind;
            }
            check_kinds(&p)?;
            if before.kind != stage.kind {
                let now = Utc::now().naive_utc();
                diesel::update(deals::table.filter(deals::stage_id.eq(stage_id)))
                    .set((
                        deals::state.eq(stage.kind.as_str()),
                        deals::closed_at.eq(stage.kind.is_closed().then_some(now)),
                    ))
                    .execute(conn)?;
            }
            touch(conn, p.id)?;
            let after = load(conn, p.id)?
                .stage(stage_id)
                .cloned()
                .ok_or(Error::NotFound)?;
            audit::record(
                conn,
                actor,
                "update",
                "stage",
                stage_id,
                audit::diff(&before, &after),
            )?;
            Ok(after)
        })
    }

    /// Moves a stage to `position` (0-based) among its pipeline's stages.
    pub fn move_stage(
        &self,
        actor: &Actor,
        stage_id: i64,
        position: usize,
    ) -> StoreResult<Pipeline> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let p = pipeline_of(conn, stage_id)?;
            let mut order: Vec<i64> = p
                .stages
                .iter()
                .map(|s| s.id)
                .filter(|id| *id != stage_id)
                .collect();
            order.insert(position.min(order.len()), stage_id);
            renumber(conn, &order)?;
            touch(conn, p.id)?;
            load(conn, p.id)
        })
    }

    /// The pipeline a current stage belongs to.
    pub fn stage_pipeline(&self, stage_id: i64) -> StoreResult<i64> {
        self.read(|conn| {
            Ok(stages::table
                .filter(stages::id.eq(stage_id))
                .filter(stages::archived.eq(false))
                .select(stages::pipeline_id)
                .first(conn)?)
        })
    }

    /// How many deals a stage holds (to ask where they go before it is deleted).
    pub fn stage_deal_count(&self, stage_id: i64) -> StoreResult<i64> {
        self.read(|conn| {
            Ok(deals::table
                .filter(deals::stage_id.eq(stage_id))
                .count()
                .get_result(conn)?)
        })
    }

    /// Deletes (archives) a stage. Its deals move to `move_to`, a stage of the same pipeline,
    /// each move recorded in the deal's history; without `move_to` a stage that holds deals is
    /// refused.
    pub fn delete_stage(
        &self,
        actor: &Actor,
        stage_id: i64,
        move_to: Option<i64>,
    ) -> StoreResult<Pipeline> {
        check_all(actor, ObjectKind::Pipeline, Action::Delete)?;
        self.write(|conn| {
            let mut p = pipeline_of(conn, stage_id)?;
            let held: Vec<i64> = deals::table
                .filter(deals::stage_id.eq(stage_id))
                .select(deals::id)
                .load(conn)?;
            if !held.is_empty() {
                let target = match move_to {
                    None => return Err(Error::Conflict("error-stage-holds-deals").into()),
                    Some(t) => match p.stage(t) {
                        Some(s) if s.id != stage_id => s.clone(),
                        _ => {
                            return Err(
                                Error::invalid("move_to", "error-stage-not-in-pipeline").into()
                            );
                        }
                    },
                };
                let now = Utc::now().naive_utc();
                for chunk in held.chunks(500) {
                    for id in chunk {
                        diesel::insert_into(deal_stage_changes::table)
                            .values((
                                deal_stage_changes::deal_id.eq(id),
                                deal_stage_changes::from_stage_id.eq(stage_id),
                                deal_stage_changes::to_stage_id.eq(target.id),
                                deal_stage_changes::user_id.eq(actor.user_id()),
                                deal_stage_changes::at.eq(now),
                            ))
                            .execute(conn)?;
                    }
                    diesel::update(deals::table.filter(deals::id.eq_any(chunk)))
                        .set((
                            deals::stage_id.eq(target.id),
                            deals::state.eq(target.kind.as_str()),
                            deals::closed_at.eq(target.kind.is_closed().then_some(now)),
                            deals::updated_at.eq(now),
                            deals::version.eq(deals::version + 1),
                        ))
                        .execute(conn)?;
                }
            }
            diesel::update(stages::table.find(stage_id))
                .set(stages::archived.eq(true))
                .execute(conn)?;
            p.stages.retain(|s| s.id != stage_id);
            check_kinds(&p)?;
            renumber(conn, &p.stages.iter().map(|s| s.id).collect::<Vec<_>>())?;
            touch(conn, p.id)?;
            let changes = serde_json::json!({ "moved_deals": held.len(), "move_to": move_to });
            audit::record(conn, actor, "delete", "stage", stage_id, changes)?;
            load(conn, p.id)
        })
    }

    /// The lost reasons in order; `all` includes retired ones.
    pub fn lost_reasons(&self, all: bool) -> StoreResult<Vec<LostReason>> {
        self.read(|conn| {
            let mut q = lost_reasons::table.into_boxed();
            if !all {
                q = q.filter(lost_reasons::active.eq(true));
            }
            Ok(q.order((lost_reasons::position, lost_reasons::id))
                .select((lost_reasons::id, lost_reasons::name, lost_reasons::active))
                .load(conn)?)
        })
    }

    /// Adds a lost reason at the end of the list.
    pub fn add_lost_reason(&self, actor: &Actor, name: &str) -> StoreResult<LostReason> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let last: Option<i32> = lost_reasons::table
                .select(diesel::dsl::max(lost_reasons::position))
                .first(conn)?;
            let id: i64 = diesel::insert_into(lost_reasons::table)
                .values((
                    lost_reasons::name.eq(name),
                    lost_reasons::position.eq(last.map_or(0, |p| p + 1)),
                    lost_reasons::active.eq(true),
                ))
                .returning(lost_reasons::id)
                .get_result(conn)?;
            audit::record(
                conn,
                actor,
                "create",
                "lost_reason",
                id,
                serde_json::json!({ "name": name }),
            )?;
            Ok(LostReason {
                id,
                name: name.to_string(),
                active: true,
            })
        })
    }

    /// Renames a lost reason or retires it (retired reasons stay on the deals that had them).
    pub fn update_lost_reason(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        active: bool,
    ) -> StoreResult<()> {
        check_all(actor, ObjectKind::Pipeline, Action::Edit)?;
        self.write(|conn| {
            let n = diesel::update(lost_reasons::table.find(id))
                .set((lost_reasons::name.eq(name), lost_reasons::active.eq(active)))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::NotFound.into());
            }
            let changes = serde_json::json!({ "name": name, "active": active });
            audit::record(conn, actor, "update", "lost_reason", id, changes)
        })
    }
}
