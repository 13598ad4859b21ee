//! vCard: any bytes, read as an address book.
#![no_main]

use std::io::Cursor;

use crm_core::import::{Format, ReadOptions, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        format: Some(Format::Vcard),
        max_cell_bytes: 4096,
        ..ReadOptions::default()
    };
    if let Ok(table) = read(Cursor::new(data.to_vec()), &opts) {
        for row in table.rows {
            if let Ok(row) = row {
                assert_eq!(row.cells.len(), table.headers.len());
            } else {
                break;
            }
        }
    }
});
