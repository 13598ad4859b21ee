//! XLSX and ODS: any bytes read as a workbook; and, so that the fuzzer reaches the XML parsers
//! instead of failing at the zip layer, the bytes as the sheet XML of a workbook built around
//! them. A small unpacked-size limit keeps what a fuzzed zip can claim in check.
#![no_main]

use std::io::{Cursor, Write};

use crm_core::import::{Format, ReadOptions, read};
use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;

fn zip_of(entries: &[(&str, &[u8])]) -> Option<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, SimpleFileOptions::default()).ok()?;
        w.write_all(data).ok()?;
    }
    Some(w.finish().ok()?.into_inner())
}

fn drain(bytes: Vec<u8>, format: Format) {
    let opts = ReadOptions {
        format: Some(format),
        max_unpacked_bytes: 16 * 1024 * 1024,
        max_cell_bytes: 4096,
        ..ReadOptions::default()
    };
    if let Ok(table) = read(Cursor::new(bytes), &opts) {
        for row in table.rows {
            match row {
                Ok(row) => assert_eq!(row.cells.len(), table.headers.len()),
                Err(_) => break,
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    match how % 3 {
        0 => {
            drain(rest.to_vec(), Format::Xlsx);
            drain(rest.to_vec(), Format::Ods);
        }
        1 => {
            let book = zip_of(&[
                ("xl/workbook.xml", WORKBOOK.as_bytes()),
                ("xl/_rels/workbook.xml.rels", RELS.as_bytes()),
                ("xl/worksheets/sheet1.xml", rest),
            ]);
            if let Some(book) = book {
                drain(book, Format::Xlsx);
            }
        }
        _ => {
            let book = zip_of(&[
                ("mimetype", ODS_MIMETYPE.as_bytes()),
                ("META-INF/manifest.xml", MANIFEST.as_bytes()),
                ("content.xml", rest),
            ]);
            if let Some(book) = book {
                drain(book, Format::Ods);
            }
        }
    }
});
