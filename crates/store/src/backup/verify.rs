//! Checking an archive completely: every entry's size and SHA-256 against the manifest, every
//! table's row count against its lines, nothing missing, nothing extra, nothing after the end.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::archive::{
    ABOUT, About, FILES, FORMAT, Hashing, MANIFEST, Manifest, Sum, read_entries, safe_key,
};
use crate::error::{StoreError, StoreResult};

/// Counts the lines of what it reads.
struct Lines<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

/// Reads the whole archive and checks it; returns its manifest, or what is wrong with it.
pub fn verify(path: &Path) -> StoreResult<Manifest> {
    let bad = |what: String| StoreError::Backup(format!("{}: {what}", path.display()));
    let mut about: Option<About> = None;
    let mut manifest: Option<Manifest> = None;
    let mut seen: BTreeMap<String, (Sum, u64)> = BTreeMap::new();
    read_entries(path, |name, r| {
        if manifest.is_some() {
            return Err(bad(format!("unexpected entry {name} after the manifest")));
        }
        match name {
            ABOUT if about.is_none() && seen.is_empty() => {
                let a: About = serde_json::from_reader(r)
                    .map_err(|e| bad(format!("{ABOUT} is damaged or unreadable: {e}")))?;
                if a.format > FORMAT {
                    return Err(bad(format!(
                        "archive format {} is newer than this crm reads ({FORMAT}): use a newer crm",
                        a.format
                    )));
                }
                about = Some(a);
            }
            _ if about.is_none() => return Err(bad("not a CRM backup".into())),
            MANIFEST => {
                manifest = Some(
                    serde_json::from_reader(r)
                        // A flipped bit here is found before the end's checksum is.
                        .map_err(|e| bad(format!("{MANIFEST} is damaged or unreadable: {e}")))?,
                );
            }
            _ => {
                let data = name.starts_with("data/") && name.ends_with(".jsonl");
                let file = name.strip_prefix(FILES).is_some_and(safe_key);
                if !(data || file) || seen.contains_key(name) {
                    return Err(bad(format!("unexpected entry {name}")));
                }
                let mut lines = Lines {
                    inner: Hashing::new(r),
                    count: 0,
                };
                std::io::copy(&mut lines, &mut std::io::sink())
                    .map_err(|e| bad(format!("{name} is damaged or incomplete: {e}")))?;
                seen.insert(name.to_string(), (lines.inner.sum(), lines.count));
            }
        }
        Ok(true)
    })?;
    let about = about.ok_or_else(|| bad("the archive is empty".into()))?;
    let manifest = manifest.ok_or_else(|| {
        bad("the archive is incomplete: it has no manifest (the backup was cut off or the file truncated)".into())
    })?;
    if manifest.about != about {
        return Err(bad(
            "the manifest does not match the archive's header".into()
        ));
    }
    for (name, sum) in &manifest.entries {
        match seen.get(name) {
            None => return Err(bad(format!("{name} is missing"))),
            Some((have, _)) if have != sum => {
                return Err(bad(format!(
                    "{name} is damaged: its size or SHA-256 differs from the manifest"
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen.keys().find(|k| !manifest.entries.contains_key(*k)) {
        return Err(bad(format!("{extra} is not in the manifest")));
    }
    for table in &manifest.tables {
        let mut lines = 0;
        for chunk in &table.chunks {
            let (_, n) = seen
                .get(chunk)
                .ok_or_else(|| bad(format!("{chunk} is missing")))?;
            lines += n;
        }
        if lines != table.rows {
            return Err(bad(format!(
                "table {} has {lines} rows, the manifest says {}",
                table.name, table.rows
            )));
        }
    }
    Ok(manifest)
}
