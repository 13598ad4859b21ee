//! Attached files on disk. A file is kept under a random key in `[web] files_dir`, never under
//! a name a user chose, so no name can reach outside that folder; its name, type, size and
//! SHA-256 live in the database. The type is read from the content and must agree with the
//! name's extension.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;
use sha2::{Digest, Sha256};

/// Bytes of a file's start kept for recognising its type.
const HEAD: usize = 8192;
/// Longest file name kept.
const MAX_NAME_CHARS: usize = 200;

/// A file being received into a temporary file under the store's folder.
pub struct Incoming {
    pub file_name: String,
    pub temp: PathBuf,
    pub size: i64,
    hasher: Sha256,
    head: Vec<u8>,
    out: std::fs::File,
}

impl Incoming {
    pub fn start(root: &Path, file_name: &str) -> std::io::Result<Incoming> {
        let tmp = root.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let temp = tmp.join(format!("{}.part", random_hex()));
        let out = std::fs::File::create(&temp)?;
        Ok(Incoming {
            file_name: file_name.to_string(),
            temp,
            size: 0,
            hasher: Sha256::new(),
            head: Vec::new(),
            out,
        })
    }

    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.size += chunk.len() as i64;
        self.hasher.update(chunk);
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.out.write_all(chunk)
    }

    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.temp);
    }

    /// Checks the file and moves it under a new key; on refusal the temporary file is gone.
    pub fn keep(self, root: &Path) -> Result<crm_store::NewAttachment, &'static str> {
        let checked = (|| {
            let name = safe_name(&self.file_name).ok_or("error-upload-name-invalid")?;
            if self.size == 0 {
                return Err("error-upload-empty");
            }
            let content_type = content_type(&name, &self.head)?;
            Ok((name, content_type))
        })();
        let (file_name, content_type) = match checked {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&self.temp);
                return Err(e);
            }
        };
        let key = new_key();
        let path = path_of(root, &key);
        let moved = self
            .out
            .sync_all()
            .and_then(|()| std::fs::create_dir_all(path.parent().unwrap_or(root)))
            .and_then(|()| std::fs::rename(&self.temp, &path));
        if moved.is_err() {
            let _ = std::fs::remove_file(&self.temp);
            return Err("error-internal");
        }
        Ok(crm_store::NewAttachment {
            file_name,
            content_type,
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
            storage_key: key,
        })
    }
}

fn random_hex() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// `ab/cd/abcd…`: two folder levels keep any one folder small.
fn new_key() -> String {
    let h = random_hex();
    format!("{}/{}/{h}", &h[..2], &h[2..4])
}

/// A key for a file waiting to be imported; kept apart from attachments, removed once imported.
pub fn import_key() -> String {
    format!("imports/{}", random_hex())
}

/// Where a key's bytes are. Keys are made here, never from input.
pub fn path_of(root: &Path, key: &str) -> PathBuf {
    key.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// Removes stored files (after their records were deleted).
pub fn remove(root: &Path, keys: &[String]) {
    for k in keys {
        let _ = std::fs::remove_file(path_of(root, k));
    }
}

/// The last part of a path as a browser or script may send it, without control characters;
/// `None` if nothing usable remains.
pub fn safe_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// The type to store: what the content is, when its extension agrees. Content without a
/// signature is accepted under a text name (and kept as plain text, never served as a page)
/// or under a name that claims no type.
pub fn content_type(name: &str, head: &[u8]) -> Result<String, &'static str> {
    let ext = extension(name);
    let claimed: Vec<mime_guess::Mime> = mime_guess::from_ext(&ext).iter().collect();
    let claims = |m: &str| claimed.iter().any(|c| c.essence_str() == m);
    // Markup and text are never served as what they claim: they are kept as plain text.
    let textual = |m: &str| {
        m.starts_with("text/")
            || matches!(m, "application/json" | "application/xml" | "image/svg+xml")
    };
    match infer::get(head).filter(|k| !textual(k.mime_type())) {
        Some(kind) => {
            let is = kind.mime_type();
            if claimed.is_empty() || claims(is) || kind.extension() == ext {
                Ok(is.to_string())
            } else if is == "application/zip"
                && claimed
                    .iter()
                    .any(|c| c.essence_str().starts_with("application/vnd."))
            {
                // Office documents are zip files that a short look does not always tell apart.
                Ok(claimed[0].essence_str().to_string())
            } else {
                Err("error-upload-type-mismatch")
            }
        }
        None if claimed.is_empty() => Ok("application/octet-stream".into()),
        None if claimed.iter().any(|c| textual(c.essence_str())) && !head.contains(&0) => {
            Ok("text/plain; charset=utf-8".into())
        }
        None => Err("error-upload-type-mismatch"),
    }
}

/// Whether a browser may show the file in the page (pictures and PDF) rather than download it.
pub fn inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn names_cannot_climb_out() {
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            safe_name("C:\\Users\\a\\plan.pdf").as_deref(),
            Some("plan.pdf")
        );
        assert_eq!(safe_name("..").as_deref(), None);
        assert_eq!(safe_name("a\u{0}b\n.txt").as_deref(), Some("ab.txt"));
        assert_eq!(safe_name("").as_deref(), None);
    }

    #[test]
    fn content_must_match_the_extension() {
        assert_eq!(content_type("photo.png", PNG).unwrap(), "image/png");
        assert_eq!(
            content_type("photo.jpg", PNG),
            Err("error-upload-type-mismatch")
        );
        assert_eq!(
            content_type("invoice.pdf", b"hello"),
            Err("error-upload-type-mismatch")
        );
        assert_eq!(
            content_type("notes.txt", b"hello").unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type("page.html", b"<script>").unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type("blob", b"\x00\x01").unwrap(),
            "application/octet-stream"
        );
        assert!(!inline("text/plain; charset=utf-8"));
        assert!(inline("image/png"));
    }
}
