//! XLSX and ODS workbooks, read with calamine. A workbook is a zip archive: before any of it is
//! parsed, the sizes its entries declare are added up and a total over the limit is refused (a
//! zip bomb inflates to gigabytes from kilobytes). The zip reader stops any entry at its
//! declared size, so the check also bounds what a lying archive can unpack.

use std::io::{Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Dimensions, Ods, Range, Reader, SheetType, SheetVisible, Xlsx};
use quick_xml::events::Event;
use zip::ZipArchive;

use super::{
    CODE_CELL_TOO_LARGE, CODE_DAMAGED, CODE_NOT_SPREADSHEET, CODE_SHEET, CODE_TOO_BIG_UNPACKED,
    Format, Fused, ReadError, ReadOptions, Row, Table,
};

/// What an ODS archive's `mimetype` entry holds.
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Tells XLSX from ODS by the entries of the zip archive `source` starts with.
pub(crate) fn sniff<R: Read + Seek>(source: &mut R) -> Result<Format, ReadError> {
    let start = source.stream_position().map_err(|e| ReadError::io(&e))?;
    let format = {
        let mut zip = ZipArchive::new(&mut *source).map_err(|e| {
            ReadError::new(
                CODE_NOT_SPREADSHEET,
                format!("not a readable zip archive: {e}"),
            )
        })?;
        if zip.index_for_name("xl/workbook.xml").is_some() {
            Format::Xlsx
        } else {
            let mut mimetype = Vec::new();
            if let Ok(entry) = zip.by_name("mimetype") {
                // A few bytes at most, whatever the entry claims to hold.
                let _ = entry.take(128).read_to_end(&mut mimetype);
            }
            if mimetype.trim_ascii() == ODS_MIMETYPE {
                Format::Ods
            } else if zip.index_for_name("xl/workbook.bin").is_some() {
                return Err(ReadError::new(
                    CODE_NOT_SPREADSHEET,
                    "an Excel binary workbook (.xlsb): save it as .xlsx and import that",
                ));
            } else {
                return Err(ReadError::new(
                    CODE_NOT_SPREADSHEET,
                    "a zip archive that is neither an XLSX nor an ODS workbook",
                ));
            }
        }
    };
    source
        .seek(SeekFrom::Start(start))
        .map_err(|e| ReadError::io(&e))?;
    Ok(format)
}

/// Refuses an archive whose entries declare more than `limit` bytes in all.
fn check_unpacked<R: Read + Seek>(source: &mut R, limit: u64) -> Result<(), ReadError> {
    let mut zip = ZipArchive::new(&mut *source).map_err(|e| {
        ReadError::new(
            CODE_NOT_SPREADSHEET,
            format!("not a readable zip archive: {e}"),
        )
    })?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| ReadError::new(CODE_DAMAGED, format!("zip entry {i}: {e}")))?;
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(ReadError::new(
                CODE_TOO_BIG_UNPACKED,
                format!("the workbook unpacks to more than {limit} bytes"),
            ));
        }
    }
    Ok(())
}

/// Refuses an ODS whose `content.xml` is not complete, well-formed XML. calamine 0.38 loops for
/// ever on one that ends inside a table (found by fuzzing): it skips the end of the file there.
fn check_ods_xml<R: Read + Seek>(source: &mut R) -> Result<(), ReadError> {
    let mut zip = ZipArchive::new(&mut *source).map_err(damaged)?;
    let entry = zip.by_name("content.xml").map_err(damaged)?;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(entry));
    let mut buf = Vec::new();
    let mut depth = 0usize;
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof if depth == 0 => return Ok(()),
            Event::Eof => return Err(damaged("content.xml ends inside an element")),
            _ => {}
        }
        buf.clear();
    }
}

/// Reads the chosen sheet of a workbook whole.
pub(crate) fn read<R: Read + Seek + Send + 'static>(
    mut source: R,
    format: Format,
    opts: &ReadOptions,
) -> Result<Table, ReadError> {
    let start = source.stream_position().map_err(|e| ReadError::io(&e))?;
    check_unpacked(&mut source, opts.max_unpacked_bytes)?;
    source
        .seek(SeekFrom::Start(start))
        .map_err(|e| ReadError::io(&e))?;
    if format == Format::Ods {
        check_ods_xml(&mut source)?;
        source
            .seek(SeekFrom::Start(start))
            .map_err(|e| ReadError::io(&e))?;
    }
    let wanted = opts.sheet.as_deref();
    // calamine parses untrusted XML; should it ever panic, the file is damaged, and the
    // process must go on.
    let (range, merges) = catch_unwind(AssertUnwindSafe(move || match format {
        Format::Ods => {
            let mut book: Ods<R> = Ods::new(source).map_err(damaged)?;
            let name = pick(book.sheets_metadata(), wanted)?;
            let range = book.worksheet_range(&name).map_err(damaged)?;
            // calamine leaves the covered cells of an ODS merge empty and does not list them.
            Ok((range, Vec::new()))
        }
        _ => {
            let mut book: Xlsx<R> = Xlsx::new(source).map_err(damaged)?;
            let name = pick(book.sheets_metadata(), wanted)?;
            let range = book.worksheet_range(&name).map_err(damaged)?;
            let merges = book.merge_cells_by_sheet_name(&name).map_err(damaged)?;
            Ok((range, merges))
        }
    }))
    .map_err(|_| ReadError::new(CODE_DAMAGED, "the workbook could not be parsed"))??;
    let mut rows = Cells::new(range, merges, opts.max_cell_bytes);
    // The header is the first row with something in it.
    let headers = loop {
        match rows.next_cells() {
            None => return Err(ReadError::new(super::CODE_EMPTY, "the sheet is empty")),
            Some(Err(e)) => return Err(e),
            Some(Ok((_, cells))) if cells.iter().all(String::is_empty) => continue,
            Some(Ok((_, mut cells))) => {
                while cells.last().is_some_and(String::is_empty) {
                    cells.pop();
                }
                break cells;
            }
        }
    };
    rows.width = headers.len();
    Ok(Table {
        format,
        encoding: None,
        delimiter: None,
        headers,
        rows: Box::new(Fused::new(rows)),
    })
}

fn damaged(e: impl std::fmt::Display) -> ReadError {
    ReadError::new(CODE_DAMAGED, e.to_string())
}

/// The sheet to read: the one named (case and surrounding spaces aside), or the first visible
/// worksheet.
fn pick(sheets: &[calamine::Sheet], wanted: Option<&str>) -> Result<String, ReadError> {
    let found = match wanted {
        Some(w) => sheets.iter().find(|s| s.name == w).or_else(|| {
            sheets
                .iter()
                .find(|s| s.name.trim().to_lowercase() == w.trim().to_lowercase())
        }),
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or_else(|| sheets.first()),
    };
    found.map(|s| s.name.clone()).ok_or_else(|| {
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        ReadError::new(
            CODE_SHEET,
            match wanted {
                Some(w) => format!("no sheet named {w:?}; the sheets are {names:?}"),
                None => "the workbook has no sheet".to_string(),
            },
        )
    })
}

/// The rows of a sheet as text, with each merged region's value in all of its cells (a company
/// merged over the rows of its three contacts belongs to each of them).
struct Cells {
    range: Range<Data>,
    /// Merged regions, by first row.
    merges: Vec<Dimensions>,
    /// The next merge (in `merges`) that has not started yet.
    next_merge: usize,
    /// The merges over the current row.
    active: Vec<Dimensions>,
    row: usize,
    width: usize,
    max_cell: usize,
}

impl Cells {
    fn new(range: Range<Data>, mut merges: Vec<Dimensions>, max_cell: usize) -> Self {
        merges.sort_by_key(|m| m.start);
        let width = range.width();
        Self {
            range,
            merges,
            next_merge: 0,
            active: Vec::new(),
            row: 0,
            width,
            max_cell,
        }
    }

    /// The next row: its number in the sheet and its cells, cut or padded to `width`.
    fn next_cells(&mut self) -> Option<Result<(u64, Vec<String>), ReadError>> {
        let (top, left) = self.range.start()?;
        if self.row >= self.range.height() {
            return None;
        }
        let relative = self.row;
        self.row += 1;
        let absolute = top as u64 + relative as u64;
        // Keep the merges that cover this row.
        self.active.retain(|m| u64::from(m.end.0) >= absolute);
        while let Some(m) = self.merges.get(self.next_merge) {
            if u64::from(m.start.0) > absolute {
                break;
            }
            if u64::from(m.end.0) >= absolute {
                self.active.push(*m);
            }
            self.next_merge += 1;
        }
        let number = absolute + 1;
        let mut cells = Vec::with_capacity(self.width);
        for column in 0..self.width {
            let mut data = self.range.get((relative, column));
            if data.is_none_or(|d| *d == Data::Empty) {
                let c = u64::from(left) + column as u64;
                if let Some(m) = self.active.iter().find(|m| {
                    u64::from(m.start.1) <= c
                        && c <= u64::from(m.end.1)
                        && (u64::from(m.start.0), u64::from(m.start.1)) != (absolute, c)
                }) {
                    let r = u64::from(m.start.0).checked_sub(u64::from(top));
                    let k = u64::from(m.start.1).checked_sub(u64::from(left));
                    if let (Some(r), Some(k)) = (r, k) {
                        data = self.range.get((r as usize, k as usize));
                    }
                }
            }
            let text = data.map(text).unwrap_or_default();
            if text.len() > self.max_cell {
                return Some(Err(ReadError::new(
                    CODE_CELL_TOO_LARGE,
                    format!("a cell of {} bytes (at most {})", text.len(), self.max_cell),
                )
                .at(number, Some(column))));
            }
            cells.push(text);
        }
        Some(Ok((number, cells)))
    }
}

impl Iterator for Cells {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_cells()? {
                Err(e) => return Some(Err(e)),
                Ok((_, cells)) if cells.iter().all(String::is_empty) => continue,
                Ok((number, cells)) => return Some(Ok(Row { number, cells })),
            }
        }
    }
}

/// A cell as text: numbers without a needless ".0" or exponent, dates as ISO 8601.
fn text(data: &Data) -> String {
    match data {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::DateTime(dt) if dt.is_duration() => number(dt.as_f64()),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTimeIso(s) => {
            let s = s.trim();
            match s.split_once('T') {
                Some((date, time)) if time.trim_start_matches(['0', ':', '.']).is_empty() => {
                    date.to_string()
                }
                Some((date, time)) => format!("{date} {}", time.split('.').next().unwrap_or("")),
                None => s.to_string(),
            }
        }
        Data::DurationIso(s) => s.trim().to_string(),
    }
}

/// A number as people type it: `74951234567`, `1500`, `0.25`. Rust prints floats in full, never
/// as `7.495e10`, and whole ones without a fraction.
fn number(f: f64) -> String {
    if !f.is_finite() {
        String::new()
    } else if f == 0.0 {
        "0".to_string()
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number(74951234567.0), "74951234567");
        assert_eq!(number(89161234567.0), "89161234567");
        assert_eq!(number(1500.0), "1500");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(f64::NAN), "");
    }

    #[test]
    fn iso_dates_lose_a_midnight_time() {
        assert_eq!(
            text(&Data::DateTimeIso("2024-05-17T00:00:00".into())),
            "2024-05-17"
        );
        assert_eq!(
            text(&Data::DateTimeIso("2024-05-17T10:30:00.5".into())),
            "2024-05-17 10:30:00"
        );
        assert_eq!(text(&Data::DateTimeIso("2024-05-17".into())), "2024-05-17");
    }
}
