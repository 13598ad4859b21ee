//! Reading the files people import from: CSV in whatever encoding and delimiter 1C or Excel
//! wrote, XLSX and ODS workbooks, and vCard address books; and guessing which column holds which
//! field. Everything here works on a byte source the caller opened: no files, no database.
//!
//! A CSV file is streamed (memory stays flat on a million rows); a workbook is read whole, after
//! its zip entries have been checked against [`ReadOptions::max_unpacked_bytes`].

mod csv;
mod decode;
mod fields;
mod names;
mod sheet;
mod vcard;

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::str::FromStr;

pub use fields::{Field, Kind, fields, guess_mapping, normalize};
pub use vcard::vcard_of;

/// The kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Ods,
    Vcard,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Ods, Format::Vcard];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
            Format::Vcard => "vcard",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    /// Accepts the names of [`Format::as_str`] and the usual file extensions (`vcf`, `tsv`, `txt`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().trim_start_matches('.').to_ascii_lowercase();
        match s.as_str() {
            "csv" | "tsv" | "txt" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "ods" => Ok(Format::Ods),
            "vcard" | "vcf" => Ok(Format::Vcard),
            _ => Err(format!(
                "unknown file format {s:?}: expected csv, xlsx, ods or vcard"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to read a file; every `None` is detected from the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// `None`: a zip holding `xl/workbook.xml` is XLSX, one with the ODS mimetype ODS, text
    /// starting with `BEGIN:VCARD` vCard, other text CSV.
    pub format: Option<Format>,
    /// An encoding label (`"windows-1251"`, `"utf-8"`, `"utf-16le"`...). `None`: a byte order
    /// mark decides, else UTF-8 if the whole file is valid UTF-8, else Windows-1251 (what Excel
    /// and 1C save in Russian Windows). A byte order mark always wins over the label.
    pub encoding: Option<String>,
    /// CSV only. `None`: the one of `,` `;` TAB `|` that splits the first lines into the most
    /// equal rows.
    pub delimiter: Option<u8>,
    /// XLSX and ODS: the sheet's name. `None`: the first sheet.
    pub sheet: Option<String>,
    /// A cell longer than this (in UTF-8 bytes) is an error naming its row and column.
    pub max_cell_bytes: usize,
    /// XLSX and ODS: a workbook whose entries unpack to more than this is refused before any
    /// of it is parsed.
    pub max_unpacked_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: None,
            encoding: None,
            delimiter: None,
            sheet: None,
            max_cell_bytes: 1024 * 1024,
            max_unpacked_bytes: 512 * 1024 * 1024,
        }
    }
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// As the user finds it: in a CSV the record number counting the header as 1 (the first
    /// data row is 2); in a workbook the sheet's row number; in a vCard file the line of the
    /// card's `BEGIN:VCARD`.
    pub number: u64,
    /// One cell per header, padded or cut to the header's width. Spreadsheet numbers come as
    /// text: whole numbers without ".0" (a phone stays "74951234567"), dates as "YYYY-MM-DD"
    /// ("YYYY-MM-DD HH:MM:SS" with a time of day).
    pub cells: Vec<String>,
}

/// An opened file: what was detected, its header row, and its data rows.
pub struct Table {
    pub format: Format,
    /// The encoding's name (`"UTF-8"`, `"windows-1251"`, `"UTF-16LE"`) for text formats.
    pub encoding: Option<&'static str>,
    /// CSV only.
    pub delimiter: Option<u8>,
    pub headers: Vec<String>,
    /// The data rows, read as they are pulled (CSV and vCard stream from the source). Rows with
    /// only empty cells are skipped. After an error, the iterator ends.
    pub rows: Box<dyn Iterator<Item = Result<Row, ReadError>> + Send>,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("delimiter", &self.delimiter)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Why a file, or a row of it, cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The row as [`Row::number`] counts, when the problem is in one.
    pub row: Option<u64>,
    /// The 0-based index of the column (into [`Table::headers`]), when the problem is in one cell.
    pub column: Option<usize>,
    /// Translation key of the message: `import-error-...`.
    pub code: &'static str,
    /// Technical detail in English, for logs and the API.
    pub detail: String,
}

impl ReadError {
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            row: None,
            column: None,
            code,
            detail: detail.into(),
        }
    }

    pub(crate) fn at(mut self, row: u64, column: Option<usize>) -> Self {
        self.row = Some(row);
        self.column = column;
        self
    }

    pub(crate) fn io(e: &io::Error) -> Self {
        if e.kind() == io::ErrorKind::InvalidData {
            ReadError::new(CODE_ENCODING, e.to_string())
        } else {
            ReadError::new(CODE_IO, e.to_string())
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        match (self.row, self.column) {
            (Some(r), Some(c)) => write!(f, " (row {r}, column {})", c + 1),
            (Some(r), None) => write!(f, " (row {r})"),
            (None, Some(c)) => write!(f, " (column {})", c + 1),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for ReadError {}

/// The file holds no data: empty, or a header and nothing under it.
pub const CODE_EMPTY: &str = "import-error-empty";
/// Not a CSV, XLSX, ODS or vCard file (a picture, a PDF, a Word document...).
pub const CODE_NOT_SPREADSHEET: &str = "import-error-not-spreadsheet";
/// An Excel 97-2003 workbook (.xls): to be saved as .xlsx first.
pub const CODE_OLD_EXCEL: &str = "import-error-old-excel";
/// A damaged workbook or vCard.
pub const CODE_DAMAGED: &str = "import-error-damaged";
/// A workbook whose entries unpack to more than the limit (a zip bomb, or simply too big).
pub const CODE_TOO_BIG_UNPACKED: &str = "import-error-too-big-unpacked";
/// A cell longer than [`ReadOptions::max_cell_bytes`].
pub const CODE_CELL_TOO_LARGE: &str = "import-error-cell-too-large";
/// A row with more columns than any spreadsheet has, or longer in total than 16 cells' limit.
pub const CODE_ROW_TOO_LARGE: &str = "import-error-row-too-large";
/// An unknown encoding label, or bytes that are not text in the encoding.
pub const CODE_ENCODING: &str = "import-error-encoding";
/// No sheet of the requested name.
pub const CODE_SHEET: &str = "import-error-sheet";
/// A delimiter other than one ASCII punctuation or TAB character.
pub const CODE_DELIMITER: &str = "import-error-delimiter";
/// The source could not be read.
pub const CODE_IO: &str = "import-error-io";

/// Bytes looked at to tell the format, the delimiter and whether text is text.
const HEAD_BYTES: usize = 64 * 1024;

/// Opens `source` as a table: detects what [`ReadOptions`] leaves open, reads the header row,
/// and returns the data rows as an iterator. The first data row is read here, so that a file
/// with nothing under its header is refused at once ([`CODE_EMPTY`]).
pub fn read<R: Read + Seek + Send + 'static>(
    mut source: R,
    opts: &ReadOptions,
) -> Result<Table, ReadError> {
    let start = source.stream_position().map_err(|e| ReadError::io(&e))?;
    let head = read_head(&mut source, HEAD_BYTES)?;
    source
        .seek(SeekFrom::Start(start))
        .map_err(|e| ReadError::io(&e))?;
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::new(CODE_EMPTY, "the file is empty"));
    }
    let zip = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
    let format = match opts.format {
        Some(f) => f,
        None if zip => sheet::sniff(&mut source)?,
        None if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => {
            return Err(ReadError::new(
                CODE_OLD_EXCEL,
                "an Excel 97-2003 workbook (.xls): save it as .xlsx and import that",
            ));
        }
        None => Format::Csv, // text; vCard is told once the text is decoded
    };
    let table = match format {
        Format::Xlsx | Format::Ods => {
            source
                .seek(SeekFrom::Start(start))
                .map_err(|e| ReadError::io(&e))?;
            sheet::read(source, format, opts)?
        }
        Format::Csv | Format::Vcard => {
            if zip {
                return Err(ReadError::new(
                    CODE_NOT_SPREADSHEET,
                    "a zip archive, not a text file",
                ));
            }
            let text = decode::open(source, start, &head, opts.encoding.as_deref())?;
            let vcard = match opts.format {
                Some(f) => f == Format::Vcard,
                None => vcard::looks_like(&text.head),
            };
            if vcard {
                vcard::read(text, opts)?
            } else {
                csv::read(text, opts)?
            }
        }
    };
    non_empty(table)
}

/// Reads up to `limit` bytes from the start of `source` (less only at the end of the file).
fn read_head<R: Read>(source: &mut R, limit: usize) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::with_capacity(limit.min(HEAD_BYTES));
    source
        .take(limit as u64)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::io(&e))?;
    Ok(head)
}

/// Refuses a table with no data row, and puts its first row back in front of the others.
fn non_empty(mut table: Table) -> Result<Table, ReadError> {
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(ReadError::new(CODE_EMPTY, "no header row"));
    }
    match table.rows.next() {
        None => Err(ReadError::new(CODE_EMPTY, "no rows under the header")),
        Some(Err(e)) => Err(e),
        Some(Ok(first)) => {
            let rest = table.rows;
            table.rows = Box::new(std::iter::once(Ok(first)).chain(rest));
            Ok(table)
        }
    }
}

/// Pads or cuts `cells` to `width`, as every reader hands rows out.
pub(crate) fn fit(cells: &mut Vec<String>, width: usize) {
    cells.resize(width, String::new());
}

/// An iterator that ends after the first error it yields.
pub(crate) struct Fused<I> {
    inner: I,
    failed: bool,
}

impl<I> Fused<I> {
    pub(crate) fn new(inner: I) -> Self {
        Self {
            inner,
            failed: false,
        }
    }
}

impl<I: Iterator<Item = Result<Row, ReadError>>> Iterator for Fused<I> {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.inner.next();
        if matches!(item, Some(Err(_))) {
            self.failed = true;
        }
        item
    }
}
