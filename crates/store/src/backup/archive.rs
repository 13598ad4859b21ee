//! The archive file: a zstd-compressed tar of `about.json` (first, so a listing reads it
//! cheaply), the tables as chunks of JSON lines, the attached files, and `manifest.json` (last,
//! so a cut-off archive always lacks it) with the size and SHA-256 of every other entry.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::tables::Column;
use crate::error::{StoreError, StoreResult};

/// Version of the archive layout; a reader refuses layouts it does not know.
pub const FORMAT: u32 = 1;
pub(crate) const ABOUT: &str = "about.json";
pub(crate) const MANIFEST: &str = "manifest.json";

/// What an archive is, readable without reading the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub format: u32,
    /// The CRM version that wrote it.
    pub version: String,
    /// The newest migration applied to the database it came from.
    pub schema: String,
    /// `sqlite` or `postgres`: where it came from (it restores onto either).
    pub backend: String,
    pub created_at: DateTime<Utc>,
    /// Why it was taken: manual, scheduled, pre-upgrade, pre-restore.
    pub reason: String,
}

/// One archived table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: u64,
    /// Entries holding its rows, in order.
    pub chunks: Vec<String>,
}

/// Size and checksum of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    pub size: u64,
    pub sha256: String,
}

/// The full description of an archive, its last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(flatten)]
    pub about: About,
    /// In loading order: parents before children.
    pub tables: Vec<TableEntry>,
    /// Every entry but `about.json` and the manifest itself.
    pub entries: BTreeMap<String, Sum>,
    /// Storage keys of attachments whose file was gone when the backup read it (deleted after
    /// the snapshot was taken).
    #[serde(default)]
    pub missing_files: Vec<String>,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    pub fn files(&self) -> usize {
        self.entries.keys().filter(|k| k.starts_with(FILES)).count()
    }
}

pub(crate) const FILES: &str = "files/";

/// The archive path of an attachment's storage key, `None` if the key could climb out of the
/// files folder (it never does when the CRM wrote it, but archives come from outside).
pub(crate) fn file_entry(key: &str) -> Option<String> {
    safe_key(key).then(|| format!("{FILES}{key}"))
}

/// Keys are `/`-separated parts of letters, digits, `-`, `_` and `.` that are not `.` or `..`.
pub(crate) fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && key.split('/').all(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

pub(crate) fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> StoreError {
    move |e| StoreError::Backup(format!("{what}: {e}"))
}

/// Hashes what passes through.
pub(crate) struct Hashing<R> {
    inner: R,
    hash: Sha256,
    size: u64,
}

impl<R> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            size: 0,
        }
    }

    pub fn sum(self) -> Sum {
        Sum {
            size: self.size,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

type Encoder = zstd::Encoder<'static, BufWriter<File>>;

/// Writes an archive under a temporary name; only `finish` gives it its real name.
pub(crate) struct Writer {
    tar: tar::Builder<Encoder>,
    partial: PathBuf,
    path: PathBuf,
    mtime: u64,
    pub entries: BTreeMap<String, Sum>,
}

impl Writer {
    /// Starts `path`, or `NAME-2.tar.zst`... when that name is taken or being written: two
    /// backups started in the same second never share a file.
    pub fn create(path: &Path, about: &About) -> StoreResult<Writer> {
        let (mut path, mut n) = (path.to_path_buf(), 1);
        let (file, partial) = loop {
            let partial = partial_of(&path);
            if !path.exists() {
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&partial)
                {
                    Ok(f) => break (f, partial),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io(partial.display())(e)),
                }
            }
            n += 1;
            path = numbered(&path, n);
        };
        let mut zstd =
            zstd::Encoder::new(BufWriter::with_capacity(1 << 20, file), 3).map_err(io("zstd"))?;
        zstd.include_checksum(true).map_err(io("zstd"))?;
        let mut w = Writer {
            tar: tar::Builder::new(zstd),
            partial,
            path,
            mtime: u64::try_from(about.created_at.timestamp()).unwrap_or(0),
            entries: BTreeMap::new(),
        };
        let json =
            serde_json::to_vec_pretty(about).map_err(|e| StoreError::Backup(e.to_string()))?;
        w.append(ABOUT, json.len() as u64, &json[..])?;
        Ok(w)
    }

    /// Where the archive ends up.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&mut self, name: &str, size: u64, data: impl Read) -> StoreResult<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o640);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.tar
            .append_data(&mut header, name, data)
            .map_err(io(format!("writing {name}")))
    }

    /// Adds an entry and records its checksum.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> StoreResult<()> {
        let mut reader = Hashing::new(bytes);
        self.append(name, bytes.len() as u64, &mut reader)?;
        self.entries.insert(name.to_string(), reader.sum());
        Ok(())
    }

    /// Adds a file from disk, hashing it as it is copied; `Ok(false)` if it is gone.
    pub fn add_file(&mut self, name: &str, path: &Path) -> StoreResult<bool> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io(path.display())(e)),
        };
        let size = file.metadata().map_err(io(path.display()))?.len();
        let mut reader = Hashing::new(BufReader::new(file));
        self.append(name, size, &mut reader)?;
        let sum = reader.sum();
        if sum.size != size {
            return Err(StoreError::Backup(format!(
                "{} changed size while it was read",
                path.display()
            )));
        }
        self.entries.insert(name.to_string(), sum);
        Ok(true)
    }

    /// Appends the manifest, flushes everything to disk and gives the archive its name.
    pub fn finish(mut self, manifest: &Manifest) -> StoreResult<u64> {
        let json =
            serde_json::to_vec_pretty(manifest).map_err(|e| StoreError::Backup(e.to_string()))?;
        self.append(MANIFEST, json.len() as u64, &json[..])?;
        let zstd = self.tar.into_inner().map_err(io("tar"))?;
        let buffered = zstd.finish().map_err(io("zstd"))?;
        let file = buffered
            .into_inner()
            .map_err(|e| io(self.partial.display())(e.into_error()))?;
        file.sync_all().map_err(io(self.partial.display()))?;
        let size = file.metadata().map_err(io(self.partial.display()))?.len();
        drop(file);
        // A link cannot replace an existing file, unlike a rename.
        std::fs::hard_link(&self.partial, &self.path).map_err(io(self.path.display()))?;
        std::fs::remove_file(&self.partial).map_err(io(self.partial.display()))?;
        sync_dir(&self.path);
        Ok(size)
    }

    /// Removes the unfinished file (a failed backup leaves nothing behind).
    pub fn abandon(self) {
        let partial = self.partial.clone();
        drop(self);
        let _ = std::fs::remove_file(partial);
    }
}

/// `.NAME.partial` beside `path`.
fn partial_of(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// `crm-…-manual.tar.zst` → `crm-…-manual-N.tar.zst`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = name
        .split_once(".tar.zst")
        .map_or(name.as_str(), |(b, _)| b);
    let base = match base.rsplit_once('-') {
        Some((b, k)) if k.parse::<u32>().is_ok() => b,
        _ => base,
    };
    path.with_file_name(format!("{base}-{n}.tar.zst"))
}

/// Makes a rename in `path`'s folder durable.
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// One entry as it is read: its name and a reader of its bytes.
pub(crate) type EntryReader<'a> = dyn Read + 'a;

/// Reads the entries of an archive in order, handing each to `f`, until `f` says it has seen
/// enough (`Ok(false)`).
pub(crate) fn read_entries(
    path: &Path,
    mut f: impl FnMut(&str, &mut EntryReader<'_>) -> StoreResult<bool>,
) -> StoreResult<()> {
    let file = File::open(path).map_err(io(path.display()))?;
    let zstd = zstd::Decoder::new(file).map_err(io(path.display()))?;
    let mut archive = tar::Archive::new(zstd);
    let damaged = |e: std::io::Error| {
        StoreError::Backup(format!("{} is damaged or incomplete: {e}", path.display()))
    };
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if !f(&name, &mut entry)? {
            return Ok(());
        }
        // Whatever `f` left unread still has to pass through the decompressor.
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(damaged)?;
    }
    // Read to the very end: the compressed stream's own checksum is checked there, and
    // nothing but the tar's zero padding may follow the last entry.
    let mut rest = archive.into_inner();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = rest.read(&mut buf).map_err(damaged)?;
        if n == 0 {
            return Ok(());
        }
        if buf[..n].iter().any(|b| *b != 0) {
            return Err(StoreError::Backup(format!(
                "{} is damaged: it has data after the end of the archive",
                path.display()
            )));
        }
    }
}

/// Reads the first entry only: what the archive is.
pub fn about(path: &Path) -> StoreResult<About> {
    let mut found = None;
    read_entries(path, |name, r| {
        if name == ABOUT {
            found = Some(serde_json::from_reader(r).map_err(|e| {
                StoreError::Backup(format!("{}: unreadable {ABOUT}: {e}", path.display()))
            })?);
        }
        Ok(false)
    })?;
    found.ok_or_else(|| StoreError::Backup(format!("{} is not a CRM backup", path.display())))
}

/// Writes a stream to a new file, flushing it to disk.
pub(crate) fn write_file(path: &Path, data: &mut EntryReader<'_>) -> StoreResult<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir.display()))?;
    }
    let mut out = File::create(path).map_err(io(path.display()))?;
    std::io::copy(data, &mut out).map_err(io(path.display()))?;
    out.flush().map_err(io(path.display()))?;
    out.sync_all().map_err(io(path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_leave_the_folder_are_refused() {
        assert!(safe_key("ab/cd/0123abcd"));
        assert!(safe_key("2026-11/x_y.bin"));
        for bad in [
            "",
            "../etc/passwd",
            "a/../../b",
            "/abs",
            "a//b",
            "a/./b",
            "a\\b",
            "a b",
        ] {
            assert!(!safe_key(bad), "{bad}");
            assert!(file_entry(bad).is_none());
        }
    }
}
