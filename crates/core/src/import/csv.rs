//! CSV, streamed: one record's bytes in memory at a time, in buffers reused from row to row, so
//! a million rows read in constant memory. Built on csv-core (the parser under the `csv` crate)
//! to stop a record as soon as one of its cells outgrows the limit, instead of buffering it.

use std::io::BufRead;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::decode::Text;
use super::{
    CODE_CELL_TOO_LARGE, CODE_DELIMITER, CODE_ENCODING, CODE_ROW_TOO_LARGE, Format, Fused,
    ReadError, ReadOptions, Row, Table,
};

/// Candidate delimiters, the most usual first (it wins a tie).
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Records looked at to choose the delimiter.
const SNIFF_RECORDS: usize = 50;

/// More columns than any spreadsheet has (Excel's limit is 16,384).
const MAX_COLUMNS: usize = 16_384;

pub(crate) fn read(text: Text, opts: &ReadOptions) -> Result<Table, ReadError> {
    let delimiter = match opts.delimiter {
        Some(d) if d == b'\t' || (d.is_ascii_punctuation() && d != b'"') => d,
        Some(d) => {
            return Err(ReadError::new(
                CODE_DELIMITER,
                format!("{:?} cannot separate columns", char::from(d)),
            ));
        }
        None => sniff(text.head.as_bytes(), text.complete),
    };
    let encoding = text.encoding;
    let reader = text.into_reader().map_err(|e| ReadError::io(&e))?;
    let mut records = Records::new(reader, delimiter, opts.max_cell_bytes);
    let mut headers = match records.next_record() {
        None => return Err(ReadError::new(super::CODE_EMPTY, "the file is empty")),
        Some(Err(e)) => return Err(e),
        Some(Ok(())) => records.cells(usize::MAX)?,
    };
    if let Some(first) = headers.first_mut() {
        // A byte order mark of a file saved twice, or one the label's encoding did not eat.
        if let Some(rest) = first.strip_prefix('\u{feff}') {
            *first = rest.trim().to_string();
        }
    }
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    records.width = headers.len();
    Ok(Table {
        format: Format::Csv,
        encoding: Some(encoding.name()),
        delimiter: Some(delimiter),
        headers,
        rows: Box::new(Fused::new(records)),
    })
}

/// The delimiter that splits the first records of `head` into the most rows as wide as the
/// header, then the widest header; `,` when nothing splits at all.
fn sniff(head: &[u8], complete: bool) -> u8 {
    let mut best = (0usize, 0usize, b',');
    for d in DELIMITERS {
        let widths = widths(head, d, complete);
        let Some(&header) = widths.first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let same = widths.iter().filter(|w| **w == header).count();
        if (same, header) > (best.0, best.1) {
            best = (same, header, d);
        }
    }
    best.2
}

/// The number of fields of each of the first complete records of `head`.
fn widths(head: &[u8], delimiter: u8, complete: bool) -> Vec<usize> {
    let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = head;
    let mut out = vec![0u8; 4096];
    let mut ends = vec![0usize; 256];
    let mut widths = Vec::new();
    let mut fields = 0;
    while widths.len() < SNIFF_RECORDS {
        let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends);
        input = &input[nin..];
        fields += nend;
        match res {
            // Field text is not needed here: the buffers are simply overwritten.
            ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
            ReadRecordResult::InputEmpty => {
                if !complete {
                    break; // the record was cut by the end of the head
                }
            }
            ReadRecordResult::Record => {
                widths.push(fields);
                fields = 0;
            }
            ReadRecordResult::End => break,
        }
    }
    widths
}

/// The records of a CSV text, parsed into buffers that are reused.
struct Records {
    source: Box<dyn BufRead + Send>,
    parser: Reader,
    /// The current record's field bytes, one after another.
    out: Vec<u8>,
    /// Where each field of the current record ends in `out`.
    ends: Vec<usize>,
    /// How many fields the current record has.
    fields: usize,
    /// Records read so far, the header included: the current record's number.
    number: u64,
    width: usize,
    max_cell: usize,
    max_record: usize,
    eof: bool,
}

impl Records {
    fn new(source: Box<dyn BufRead + Send>, delimiter: u8, max_cell: usize) -> Self {
        Self {
            source,
            parser: ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 64 * 1024],
            ends: vec![0; 64],
            fields: 0,
            number: 0,
            width: 0,
            max_cell,
            // Room for 16 cells of the largest size: wider rows of huge cells are not data.
            max_record: max_cell.saturating_mul(16).max(64 * 1024),
            eof: false,
        }
    }

    /// Parses the next record into the buffers: `None` at the end of the text.
    fn next_record(&mut self) -> Option<Result<(), ReadError>> {
        let mut outlen = 0;
        let mut endlen = 0;
        let number = self.number + 1;
        loop {
            let input: &[u8] = if self.eof {
                &[]
            } else {
                match self.source.fill_buf() {
                    Ok(buf) => buf,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Some(Err(ReadError::io(&e).at(number, None))),
                }
            };
            let empty = input.is_empty();
            let (res, nin, nout, nend) =
                self.parser
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            if !self.eof {
                self.source.consume(nin);
            }
            if empty {
                self.eof = true;
            }
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let field_start = if endlen == 0 {
                        0
                    } else {
                        self.ends[endlen - 1]
                    };
                    if outlen - field_start > self.max_cell {
                        return Some(Err(self.cell_too_large(number, endlen + 1)));
                    }
                    if outlen >= self.max_record {
                        return Some(Err(ReadError::new(
                            CODE_ROW_TOO_LARGE,
                            format!("a row of more than {} bytes", self.max_record),
                        )
                        .at(number, None)));
                    }
                    let grown = (self.out.len() * 2).min(self.max_record + 1);
                    self.out.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() > MAX_COLUMNS {
                        return Some(Err(ReadError::new(
                            CODE_ROW_TOO_LARGE,
                            format!("a row of more than {MAX_COLUMNS} columns"),
                        )
                        .at(number, None)));
                    }
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.number = number;
                    self.fields = endlen;
                    // The last field may have outgrown the limit without filling the buffer.
                    let mut start = 0;
                    for (i, &end) in self.ends[..endlen].iter().enumerate() {
                        if end - start > self.max_cell {
                            return Some(Err(self.cell_too_large(number, i + 1)));
                        }
                        start = end;
                    }
                    return Some(Ok(()));
                }
                ReadRecordResult::End => return None,
            }
        }
    }

    /// The error for the field that ends at position `field` (1-based) of record `number`.
    fn cell_too_large(&self, number: u64, field: usize) -> ReadError {
        ReadError::new(
            CODE_CELL_TOO_LARGE,
            format!("a cell of more than {} bytes", self.max_cell),
        )
        .at(number, Some(field.saturating_sub(1)))
    }

    /// The current record's first `width` cells as trimmed text.
    fn cells(&self, width: usize) -> Result<Vec<String>, ReadError> {
        let n = self.fields.min(width);
        let mut cells = Vec::with_capacity(if width == usize::MAX { n } else { width });
        let mut start = 0;
        for (i, &end) in self.ends[..n].iter().enumerate() {
            let bytes = &self.out[start..end];
            start = end;
            match std::str::from_utf8(bytes) {
                Ok(s) => cells.push(s.trim().to_string()),
                Err(_) => {
                    return Err(
                        ReadError::new(CODE_ENCODING, "bytes that are not UTF-8 text")
                            .at(self.number, Some(i)),
                    );
                }
            }
        }
        if width != usize::MAX {
            super::fit(&mut cells, width);
        }
        Ok(cells)
    }

    /// Whether every cell of the current record is blank.
    fn is_blank(&self) -> bool {
        self.out[..self.ends[..self.fields].last().copied().unwrap_or(0)]
            .iter()
            .all(u8::is_ascii_whitespace)
    }
}

impl Iterator for Records {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Err(e) = self.next_record()? {
                return Some(Err(e));
            }
            if self.is_blank() {
                continue;
            }
            let cells = match self.cells(self.width) {
                Ok(cells) => cells,
                Err(e) => return Some(Err(e)),
            };
            if cells.iter().all(String::is_empty) {
                continue; // blank in Unicode terms (non-breaking spaces...)
            }
            return Some(Ok(Row {
                number: self.number,
                cells,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_the_one_that_splits_rows_evenly() {
        assert_eq!(sniff(b"a,b,c\n1,2,3\n", true), b',');
        assert_eq!(
            sniff(b"name;phone\n\"Ivanov, Ivan\";8 (495) 123-45-67\n", true),
            b';'
        );
        assert_eq!(sniff(b"a\tb\n1,5\t2,5\n", true), b'\t');
        assert_eq!(sniff(b"a|b|c\n1|2|3\n", true), b'|');
        assert_eq!(sniff(b"just one column\nx\n", true), b',');
        // Quoted delimiters do not count.
        assert_eq!(sniff(b"\"a;b\",c\n\"1;2\",3\n", true), b',');
    }

    #[test]
    fn a_cut_last_record_is_not_counted() {
        assert_eq!(widths(b"a;b\n1;2\n3", b';', false), vec![2, 2]);
        assert_eq!(widths(b"a;b\n1;2\n3", b';', true), vec![2, 2, 1]);
    }
}
