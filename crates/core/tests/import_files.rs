#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The import readers on real files, each built here: CSV as 1C and Excel write it, XLSX,
//! ODS, vCard, and files that must be refused (pictures, random bytes, zip bombs, huge cells).

use std::io::{Cursor, Write};
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use crm_core::import::{
    self, Format, Kind, ReadError, ReadOptions, Row, Table, guess_mapping, read, vcard_of,
};
use crm_core::{Contact, Email, Phone, Region};
use proptest::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, Workbook};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

fn open(bytes: Vec<u8>) -> Result<Table, ReadError> {
    read(Cursor::new(bytes), &ReadOptions::default())
}

fn open_with(bytes: Vec<u8>, opts: &ReadOptions) -> Result<Table, ReadError> {
    read(Cursor::new(bytes), opts)
}

fn rows(table: Table) -> Vec<Row> {
    table.rows.map(|r| r.unwrap()).collect()
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

fn cp1251(s: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(s).0.into_owned()
}

#[test]
fn semicolon_csv_in_windows_1251_from_1c() {
    let text = "ФИО;Телефон;Моб. телефон;Эл. почта;Организация;ИНН\r\n\
                Иванов Иван Иванович;8 (495) 123-45-67;+7 916 000-00-01;ivanov@example.ru;ООО «Ромашка»;7701234567\r\n\
                ;;;;;\r\n\
                Петрова Анна;8 (812) 765-43-21;;;\"ИП Петрова; салон\";\r\n";
    let table = open(cp1251(text)).unwrap();
    assert_eq!(table.format, Format::Csv);
    assert_eq!(table.encoding, Some("windows-1251"));
    assert_eq!(table.delimiter, Some(b';'));
    assert_eq!(
        table.headers,
        strings(&[
            "ФИО",
            "Телефон",
            "Моб. телефон",
            "Эл. почта",
            "Организация",
            "ИНН"
        ])
    );
    assert_eq!(
        guess_mapping(Kind::Contacts, &table.headers),
        vec![
            Some("name"),
            Some("phone"),
            Some("phone"),
            Some("email"),
            Some("company"),
            None
        ]
    );
    assert_eq!(
        guess_mapping(Kind::Companies, &table.headers),
        vec![
            None,
            Some("phone"),
            Some("phone"),
            Some("email"),
            Some("name"),
            Some("tax_id")
        ]
    );
    let rows = rows(table);
    assert_eq!(rows.len(), 2, "the empty record is skipped");
    assert_eq!(rows[0].number, 2);
    assert_eq!(
        rows[0].cells,
        strings(&[
            "Иванов Иван Иванович",
            "8 (495) 123-45-67",
            "+7 916 000-00-01",
            "ivanov@example.ru",
            "ООО «Ромашка»",
            "7701234567"
        ])
    );
    assert_eq!(rows[1].number, 4);
    assert_eq!(rows[1].cells[4], "ИП Петрова; салон");
    assert_eq!(rows[1].cells[5], "");
}

#[test]
fn utf8_with_bom_quoted_newlines_and_commas() {
    let text = "\u{feff}Name,Phone,Notes\n\
                \"Smith, John\",+1 555 0100,\"first line\nsecond line\"\n\
                \n\
                Zoë,+44 20 7946 0000\n\
                Анна,+7 495 123-45-67,ok,extra,cells\n";
    let table = open(text.as_bytes().to_vec()).unwrap();
    assert_eq!(table.encoding, Some("UTF-8"));
    assert_eq!(table.delimiter, Some(b','));
    assert_eq!(table.headers, strings(&["Name", "Phone", "Notes"]));
    let rows = rows(table);
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(
        rows[0].cells,
        strings(&["Smith, John", "+1 555 0100", "first line\nsecond line"])
    );
    assert_eq!(rows[1].cells, strings(&["Zoë", "+44 20 7946 0000", ""]));
    assert_eq!(rows[2].cells, strings(&["Анна", "+7 495 123-45-67", "ok"]));
}

#[test]
fn utf16le_with_bom() {
    let text = "Имя\tТелефон\r\nשרה\t+972 3-123-4567\r\nعلي\t8 (495) 123-45-67\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let table = open(bytes).unwrap();
    assert_eq!(table.encoding, Some("UTF-16LE"));
    assert_eq!(table.delimiter, Some(b'\t'));
    assert_eq!(table.headers, strings(&["Имя", "Телефон"]));
    let rows = rows(table);
    assert_eq!(rows[0].cells, strings(&["שרה", "+972 3-123-4567"]));
    assert_eq!(rows[1].cells, strings(&["علي", "8 (495) 123-45-67"]));
}

#[test]
fn tab_delimited_with_commas_in_cells() {
    let text = "Company\tAddress\tPrice\nACME\tMain St 1, Springfield\t1,5\nInitech\t\t2,75\n";
    let table = open(text.as_bytes().to_vec()).unwrap();
    assert_eq!(table.delimiter, Some(b'\t'));
    let rows = rows(table);
    assert_eq!(
        rows[0].cells,
        strings(&["ACME", "Main St 1, Springfield", "1,5"])
    );
    assert_eq!(rows[1].cells, strings(&["Initech", "", "2,75"]));
}

#[test]
fn options_override_detection() {
    let bytes = cp1251("a|b\nВася|1\n");
    let opts = ReadOptions {
        encoding: Some("cp1251".into()),
        delimiter: Some(b'|'),
        ..ReadOptions::default()
    };
    let table = open_with(bytes.clone(), &opts).unwrap();
    assert_eq!(rows(table)[0].cells, strings(&["Вася", "1"]));

    let bad = ReadOptions {
        encoding: Some("klingon".into()),
        ..ReadOptions::default()
    };
    assert_eq!(
        open_with(bytes.clone(), &bad).unwrap_err().code,
        "import-error-encoding"
    );

    // Windows-1251 bytes declared as UTF-8: the cell is named.
    let utf8 = ReadOptions {
        encoding: Some("utf-8".into()),
        ..ReadOptions::default()
    };
    let e = open_with(bytes, &utf8).unwrap_err();
    assert_eq!(
        (e.code, e.row, e.column),
        ("import-error-encoding", Some(2), Some(0))
    );
}

#[test]
fn a_10_mb_cell_is_refused_with_its_row_and_column() {
    let mut csv = b"name,notes\nAnna,short\nBoris,".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    csv.extend(b"\nVera,fine\n");
    let table = open(csv).unwrap();
    let mut rows = table.rows;
    assert_eq!(
        rows.next().unwrap().unwrap().cells,
        strings(&["Anna", "short"])
    );
    let e = rows.next().unwrap().unwrap_err();
    assert_eq!(e.code, "import-error-cell-too-large");
    assert_eq!((e.row, e.column), (Some(3), Some(1)));
    assert!(e.to_string().contains("row 3, column 2"), "{e}");
    assert!(rows.next().is_none(), "reading stops at the error");

    // The same in a quoted cell, on the first data row.
    let mut csv = b"name,notes\n\"".to_vec();
    csv.extend(std::iter::repeat_n(b'y', 3 * 1024 * 1024));
    csv.extend(b"\",x\n");
    let e = open(csv).unwrap_err();
    assert_eq!(
        (e.code, e.row, e.column),
        ("import-error-cell-too-large", Some(2), Some(0))
    );
}

/// Deterministic noise, so a failure can be replayed.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

#[test]
fn pictures_random_bytes_and_empty_files_are_refused() {
    let mut png =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
            .to_vec();
    png.extend(noise(2000, 1));
    assert_eq!(open(png).unwrap_err().code, "import-error-not-spreadsheet");
    for seed in 0..5 {
        assert_eq!(
            open(noise(5000, seed)).unwrap_err().code,
            "import-error-not-spreadsheet"
        );
    }
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend(noise(3000, 9));
    assert_eq!(open(pdf).unwrap_err().code, "import-error-not-spreadsheet");
    // A zip that is no workbook (a .docx, say).
    assert_eq!(
        open(zip_of(&[("word/document.xml", b"<w:document/>".to_vec())]))
            .unwrap_err()
            .code,
        "import-error-not-spreadsheet"
    );
    assert_eq!(
        open(vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
            .unwrap_err()
            .code,
        "import-error-old-excel"
    );
    assert_eq!(open(Vec::new()).unwrap_err().code, "import-error-empty");
    assert_eq!(
        open(b"name,phone\n\n".to_vec()).unwrap_err().code,
        "import-error-empty"
    );
}

/// A zip archive of the given entries, deflated.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if *name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn xlsx_with_empty_rows_merged_cells_dates_and_long_numbers() {
    let mut book = Workbook::new();
    let date = XlsxFormat::new().set_num_format("dd.mm.yyyy");
    let plain = XlsxFormat::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Клиенты").unwrap();
    for (col, h) in ["ФИО", "Телефон", "Дата рождения", "Компания", "Сумма"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    // Row 2: a phone as a number, a birthday as a date number.
    sheet.write_string(1, 0, "Иванов Иван").unwrap();
    sheet.write_number(1, 1, 74951234567.0).unwrap();
    sheet
        .write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(1990, 5, 17).unwrap(), &date)
        .unwrap();
    sheet.write_string(1, 3, "Ромашка").unwrap();
    sheet.write_number(1, 4, 1500.0).unwrap();
    // Row 3 stays empty. Rows 4-5: one company merged over two contacts, a date as text.
    sheet.write_string(3, 0, "Петрова Анна").unwrap();
    sheet.write_number(3, 1, 89161234567.0).unwrap();
    sheet.write_string(3, 2, "17.05.1990").unwrap();
    sheet.merge_range(3, 3, 4, 3, "ООО Вектор", &plain).unwrap();
    sheet.write_number(3, 4, 0.25).unwrap();
    sheet.write_string(4, 0, "Сидоров Пётр").unwrap();
    sheet.write_number(4, 1, 4951234567.0).unwrap();
    // A second sheet, to be picked by name.
    let other = book.add_worksheet();
    other.set_name("Товары").unwrap();
    other.write_string(0, 0, "Наименование").unwrap();
    other.write_string(1, 0, "Окно").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let table = open(bytes.clone()).unwrap();
    assert_eq!(table.format, Format::Xlsx);
    assert_eq!(table.encoding, None);
    assert_eq!(
        guess_mapping(Kind::Contacts, &table.headers),
        vec![
            Some("name"),
            Some("phone"),
            Some("birthday"),
            Some("company"),
            None
        ]
    );
    let rows = rows(table);
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![2, 4, 5]
    );
    assert_eq!(
        rows[0].cells,
        strings(&[
            "Иванов Иван",
            "74951234567",
            "1990-05-17",
            "Ромашка",
            "1500"
        ])
    );
    assert_eq!(
        rows[1].cells,
        strings(&[
            "Петрова Анна",
            "89161234567",
            "17.05.1990",
            "ООО Вектор",
            "0.25"
        ])
    );
    assert_eq!(
        rows[2].cells,
        strings(&["Сидоров Пётр", "4951234567", "", "ООО Вектор", ""])
    );

    let by_name = ReadOptions {
        sheet: Some(" товары ".into()),
        ..ReadOptions::default()
    };
    let table = open_with(bytes.clone(), &by_name).unwrap();
    assert_eq!(table.headers, strings(&["Наименование"]));
    assert_eq!(
        guess_mapping(Kind::Products, &table.headers),
        vec![Some("name")]
    );
    let missing = ReadOptions {
        sheet: Some("Лист1".into()),
        ..ReadOptions::default()
    };
    let e = open_with(bytes, &missing).unwrap_err();
    assert_eq!(e.code, "import-error-sheet");
    assert!(e.detail.contains("Клиенты"), "{}", e.detail);
}

/// Sets the uncompressed size of every entry named `name`, in its local header and in the
/// central directory, to `size`.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    let mut i = 0;
    while i + 46 <= zip.len() {
        let sig = &zip[i..i + 4];
        let (name_at, size_at) = match sig {
            b"PK\x03\x04" => (i + 30, i + 22),
            b"PK\x01\x02" => (i + 46, i + 24),
            _ => {
                i += 1;
                continue;
            }
        };
        if zip.get(name_at..name_at + name.len()) == Some(name) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 4;
    }
}

fn workbook_entries(sheet: Vec<u8>) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        ("xl/workbook.xml", b"<workbook><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_vec()),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
}

#[test]
fn a_zip_bomb_disguised_as_xlsx_is_refused_before_inflating() {
    // 4 GiB - 1 of zeros declared: kilobytes on disk.
    let mut bomb = zip_of(&workbook_entries(vec![0; 1024 * 1024]));
    declare_size(&mut bomb, "xl/worksheets/sheet1.xml", u32::MAX);
    assert!(bomb.len() < 64 * 1024);
    let started = Instant::now();
    let e = open(bomb).unwrap_err();
    assert_eq!(e.code, "import-error-too-big-unpacked");
    assert!(started.elapsed().as_secs() < 2);

    // A real one, honest about its size, over a lower limit.
    let zeros = zip_of(&workbook_entries(vec![0; 20 * 1024 * 1024]));
    let opts = ReadOptions {
        max_unpacked_bytes: 8 * 1024 * 1024,
        ..ReadOptions::default()
    };
    assert_eq!(
        open_with(zeros, &opts).unwrap_err().code,
        "import-error-too-big-unpacked"
    );

    // One that lies the other way (declares 1 KiB, inflates to 20 MiB): the zip reader stops
    // at the declared size, so it is a damaged file, not a full memory.
    let mut liar = zip_of(&workbook_entries(vec![b' '; 20 * 1024 * 1024]));
    declare_size(&mut liar, "xl/worksheets/sheet1.xml", 1024);
    let e = open(liar).unwrap_err();
    assert!(
        ["import-error-damaged", "import-error-empty"].contains(&e.code),
        "{e}"
    );
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

#[test]
fn ods_built_by_hand() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Контакты">
<table:table-row>
  <table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell>
  <table:table-cell office:value-type="string"><text:p>Phone</text:p></table:table-cell>
  <table:table-cell office:value-type="string"><text:p>Birthday</text:p></table:table-cell>
</table:table-row>
<table:table-row>
  <table:table-cell office:value-type="string"><text:p>Anna</text:p></table:table-cell>
  <table:table-cell office:value-type="float" office:value="74951234567"><text:p>74951234567</text:p></table:table-cell>
  <table:table-cell office:value-type="date" office:date-value="1990-05-17"><text:p>17.05.90</text:p></table:table-cell>
</table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row>
  <table:table-cell office:value-type="string"><text:p>Boris</text:p></table:table-cell>
  <table:table-cell office:value-type="float" office:value="1500"><text:p>1500</text:p></table:table-cell>
  <table:table-cell office:value-type="date" office:date-value="1985-01-02T00:00:00"><text:p>02.01.85</text:p></table:table-cell>
</table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        // calamine wants the cells without white space between them, as office suites write.
        (
            "content.xml",
            content
                .lines()
                .map(str::trim)
                .collect::<String>()
                .into_bytes(),
        ),
        ("META-INF/manifest.xml", MANIFEST.as_bytes().to_vec()),
    ]);
    let table = open(ods).unwrap();
    assert_eq!(table.format, Format::Ods);
    assert_eq!(table.headers, strings(&["Name", "Phone", "Birthday"]));
    let rows = rows(table);
    assert_eq!(rows[0].number, 2);
    assert_eq!(
        rows[0].cells,
        strings(&["Anna", "74951234567", "1990-05-17"])
    );
    assert_eq!(rows[1].number, 5);
    assert_eq!(rows[1].cells, strings(&["Boris", "1500", "1985-01-02"]));

    // Cut inside the table (calamine alone would loop for ever: found by fuzzing).
    let compact: String = content.lines().map(str::trim).collect();
    let cut = &compact[..compact.find("<table:table-row table:number-rows").unwrap()];
    let truncated = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml", cut.as_bytes().to_vec()),
        ("META-INF/manifest.xml", MANIFEST.as_bytes().to_vec()),
    ]);
    assert_eq!(open(truncated).unwrap_err().code, "import-error-damaged");
}

#[test]
fn vcard_21_with_quoted_printable_cyrillic_and_30_in_one_file() {
    let (surname, _, _) = encoding_rs::WINDOWS_1251.encode("Сидоров");
    let qp1251: String = surname.iter().map(|b| format!("={b:02X}")).collect();
    let vcf = format!(
        "BEGIN:VCARD\r\n\
         VERSION:2.1\r\n\
         N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD;=D0=98=D0=B2=D0=B0=D0=BD=D0=BE=D0=B2=D0=B8=D1=87;;\r\n\
         FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD =D0=9F=D0=B5=D1=82=\r\n\
         =D1=80=D0=BE=D0=B2\r\n\
         TEL;CELL;PREF:+7 916 123-45-67\r\n\
         TEL;WORK:8 (495) 123-45-67\r\n\
         TEL;HOME:8 (495) 765-43-21\r\n\
         EMAIL;INTERNET:ivan@example.ru\r\n\
         ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=A0=D0=BE=D0=BC=D0=B0=D1=88=D0=BA=D0=B0;=D0=9E=D1=82=D0=B4=D0=B5=D0=BB\r\n\
         TITLE:CEO\r\n\
         BDAY:1980-02-29\r\n\
         PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n\
          AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n\
         \r\n\
         NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=WINDOWS-1251:{qp1251}\r\n\
         END:VCARD\r\n\
         BEGIN:VCARD\r\n\
         VERSION:3.0\r\n\
         FN:Smith\\, John\r\n\
         N:Smith;John;;;\r\n\
         EMAIL;TYPE=INTERNET,WORK:john@example.com\r\n\
         EMAIL;TYPE=INTERNET,HOME:jsmith@example.org\r\n\
         ADR;TYPE=WORK:;;1 Main St;Spring\r\n field;IL;62701;USA\r\n\
         CATEGORIES:VIP,Partners\\, key\r\n\
         X-SKYPE:john.smith\r\n\
         NOTE:Line one\\nLine two\r\n\
         END:VCARD\r\n"
    );
    let table = open(vcf.into_bytes()).unwrap();
    assert_eq!(table.format, Format::Vcard);
    assert_eq!(
        table.headers,
        strings(&[
            "name",
            "last_name",
            "first_name",
            "middle_name",
            "phone",
            "phone",
            "phone",
            "email",
            "email",
            "company",
            "position",
            "birthday",
            "address",
            "tags",
            "notes",
            "messengers"
        ])
    );
    // The headers are the contacts fields' keys: the guess maps them one to one.
    let mapping = guess_mapping(Kind::Contacts, &table.headers);
    for (h, m) in table.headers.iter().zip(&mapping) {
        assert_eq!(Some(h.as_str()), *m);
    }
    let rows = rows(table);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].number, 1);
    assert_eq!(
        rows[0].cells,
        strings(&[
            "Иван Петров",
            "Петров",
            "Иван",
            "Иванович",
            "+7 916 123-45-67",
            "8 (495) 123-45-67",
            "8 (495) 765-43-21",
            "ivan@example.ru",
            "",
            "Ромашка",
            "CEO",
            "1980-02-29",
            "",
            "",
            "Сидоров",
            ""
        ])
    );
    assert_eq!(rows[1].number, 18);
    assert_eq!(
        rows[1].cells,
        strings(&[
            "Smith, John",
            "Smith",
            "John",
            "",
            "",
            "",
            "",
            "john@example.com",
            "jsmith@example.org",
            "",
            "",
            "",
            "1 Main St, Springfield, IL, 62701, USA",
            "VIP, Partners, key",
            "Line one\nLine two",
            "skype:john.smith"
        ])
    );
}

fn contact() -> Contact {
    let ru: Region = "RU".parse().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
    Contact {
        id: 42,
        name: "Анна-Мария Петрова; «Ромашка», отдел продаж и долгое имя, чтобы строка сложилась"
            .into(),
        position: "Директор".into(),
        company_id: Some(7),
        company_name: Some("ООО \"Ромашка\"".into()),
        phones: vec![
            Phone::parse("8 (495) 123-45-67", ru).unwrap(),
            Phone::parse("+7 916 000-00-01", ru).unwrap(),
        ],
        emails: vec![Email::parse("Anna@Example.ru").unwrap()],
        birthday: NaiveDate::from_ymd_opt(1990, 5, 17),
        address: "Москва, ул. Тверская, д. 1\\2".into(),
        messengers: "telegram: @anna".into(),
        tags: vec!["VIP".into(), "опт, розница".into()],
        responsible_id: None,
        responsible_name: None,
        visible_to_all: true,
        notes: "Звонить после 10:00.\nНе по пятницам; только WhatsApp.".into(),
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn vcard_40_round_trip() {
    let c = contact();
    let vcf = vcard_of(&c);
    assert!(vcf.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    assert!(vcf.ends_with("END:VCARD\r\n"));
    for line in vcf.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        assert!(!line.contains('\n'));
    }
    assert!(vcf.contains("\r\n "), "the long name is folded");

    let table = open(vcf.into_bytes()).unwrap();
    assert_eq!(table.format, Format::Vcard);
    let headers = table.headers.clone();
    let row = rows(table).remove(0);
    let cell = |key: &str, n: usize| {
        let i = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| *h == key)
            .nth(n)
            .unwrap()
            .0;
        row.cells[i].clone()
    };
    assert_eq!(cell("name", 0), c.name);
    assert_eq!(cell("phone", 0), "+74951234567");
    assert_eq!(cell("phone", 1), "+79160000001");
    assert_eq!(cell("email", 0), "Anna@Example.ru");
    assert_eq!(cell("company", 0), "ООО \"Ромашка\"");
    assert_eq!(cell("position", 0), "Директор");
    assert_eq!(cell("birthday", 0), "1990-05-17");
    assert_eq!(cell("address", 0), c.address);
    assert_eq!(cell("tags", 0), "VIP, опт, розница");
    assert_eq!(cell("notes", 0), c.notes);
    assert_eq!(cell("messengers", 0), c.messengers);
}

#[test]
fn formats_parse_and_options_have_their_defaults() {
    assert_eq!("VCF".parse::<Format>(), Ok(Format::Vcard));
    assert_eq!(".xlsx".parse::<Format>(), Ok(Format::Xlsx));
    assert!("xls".parse::<Format>().is_err());
    let o = ReadOptions::default();
    assert_eq!(o.max_cell_bytes, 1 << 20);
    assert_eq!(o.max_unpacked_bytes, 512 << 20);
    let _ = import::fields(Kind::Deals);
}

#[test]
fn rows_stream_from_a_source_that_is_never_in_memory() {
    // A reader that makes its rows up as it is read: nothing of the file is ever in memory,
    // so if the reader buffered rows, this would show in time and memory.
    struct Generated {
        row: u64,
        rows: u64,
        line: Vec<u8>,
        pos: usize,
    }
    impl std::io::Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.line.len() {
                if self.row > self.rows {
                    return Ok(0);
                }
                self.line.clear();
                if self.row == 0 {
                    self.line.extend(b"name;phone;email\n");
                } else {
                    writeln!(
                        self.line,
                        "Contact {0};8 (495) {0:07};c{0}@example.ru",
                        self.row
                    )?;
                }
                self.row += 1;
                self.pos = 0;
            }
            let n = out.len().min(self.line.len() - self.pos);
            out[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    impl std::io::Seek for Generated {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            match to {
                std::io::SeekFrom::Start(0) => {
                    (self.row, self.pos) = (0, 0);
                    self.line.clear();
                    Ok(0)
                }
                // The reader only asks where it is before reading anything.
                std::io::SeekFrom::Current(0) if self.row == 0 => Ok(0),
                _ => Err(std::io::Error::other("not seekable")),
            }
        }
    }
    // 200,000 rows keep the debug build under two seconds; the release build reads 1,000,000
    // the same way (see the report of the import work for figures).
    let rows: u64 = 200_000;
    let source = Generated {
        row: 0,
        rows,
        line: Vec::new(),
        pos: 0,
    };
    let started = Instant::now();
    let table = read(source, &ReadOptions::default()).unwrap();
    assert_eq!(table.delimiter, Some(b';'));
    let mut count = 0u64;
    let mut last = 0;
    for row in table.rows {
        let row = row.unwrap();
        count += 1;
        last = row.number;
    }
    assert_eq!((count, last), (rows, rows + 1));
    eprintln!("{rows} rows in {:?}", started.elapsed());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn read_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        drain(bytes);
    }

    #[test]
    fn read_never_panics_on_damaged_text_formats(
        prefix in prop::sample::select(vec![
            &b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:"[..],
            &b"name;phone\n\""[..],
            &b"\xff\xfe"[..],
            &b"\xef\xbb\xbfa,b\n"[..],
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(tail);
        drain(bytes);
    }

    #[test]
    fn read_never_panics_on_damaged_workbooks(cut in 0usize..4096, flip in any::<u8>(), at in any::<usize>()) {
        let mut bytes = small_workbook().to_vec();
        let at = at % bytes.len();
        bytes[at] ^= flip;
        bytes.truncate(bytes.len().saturating_sub(cut % 64));
        drain(bytes);
    }
}

/// Reads everything a file yields, to be sure nothing on the way panics.
fn drain(bytes: Vec<u8>) {
    if let Ok(table) = open(bytes) {
        for row in table.rows {
            if row.is_err() {
                break;
            }
        }
    }
}

fn small_workbook() -> &'static [u8] {
    static BOOK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "name").unwrap();
        sheet.write_string(1, 0, "Anna").unwrap();
        sheet.write_number(1, 1, 74951234567.0).unwrap();
        book.save_to_buffer().unwrap()
    })
}

#[test]
fn a_huge_vcard_note_is_refused_with_its_card_and_column_but_photos_are_skipped() {
    let photo = "A".repeat(3 * 1024 * 1024);
    let note = "x".repeat(2 * 1024 * 1024);
    let vcf = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nPHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Boris\r\nNOTE:{note}\r\nEND:VCARD\r\n"
    );
    let table = open(vcf.into_bytes()).unwrap();
    let notes = table.headers.iter().position(|h| h == "notes");
    let mut rows = table.rows;
    assert_eq!(rows.next().unwrap().unwrap().cells[0], "Anna");
    let e = rows.next().unwrap().unwrap_err();
    assert_eq!(
        (e.code, e.row, e.column),
        ("import-error-cell-too-large", Some(6), notes)
    );
}
