use super::*;

fn table(bytes: &[u8], opts: &CsvOptions) -> Result<SourceTable, PrepareError> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "survey-source-table-{}-{}.csv",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::write(&path, bytes).unwrap();
    let t = SourceTable::read_with(&path, opts);
    std::fs::remove_file(&path).unwrap();
    t
}

fn error_line(bytes: &[u8]) -> (usize, Option<String>) {
    let e = match table(bytes, &CsvOptions::default()) {
        Err(PrepareError::Input(e)) => e,
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("accepted"),
    };
    (e.line, e.field)
}

#[test]
fn line_numbers_are_true_for_lf_crlf_and_cr_files() {
    for eol in ["\n", "\r\n", "\r"] {
        let text = ["a,b", "1,2", "", "3,4", "\"5\nx\",6", "7,8"].join(eol) + eol;
        let t = table(text.as_bytes(), &CsvOptions::default()).unwrap();
        // The quoted field holds a newline only in the LF file's bytes; its record starts
        // on line 5 in every file.
        assert_eq!(t.lines[..3], [2, 4, 5], "{eol:?}");
        assert_eq!(t.get(1, 0), "3");
        let bad = ["a,b", "1,2", "3", "4,5"].join(eol) + eol;
        assert_eq!(error_line(bad.as_bytes()).0, 3, "{eol:?}");
    }
    // Invalid UTF-8 on line 3 of a CRLF file, field `b`.
    assert_eq!(
        error_line(b"a,b\r\n1,2\r\n3,\xff\r\n"),
        (3, Some("b".to_string()))
    );
}

#[test]
fn delimiters_are_detected_or_set() {
    let t = table(b"a;b;c\n1;2,5;3\n", &CsvOptions::default()).unwrap();
    assert_eq!((t.delimiter, t.get(0, 1)), (b';', "2,5"));
    let t = table(b"a\tb\n1\t2\n", &CsvOptions::default()).unwrap();
    assert_eq!(t.delimiter, b'\t');
    let t = table(b"\"x;y\",b\n1,2\n", &CsvOptions::default()).unwrap();
    assert_eq!(t.delimiter, b',', "quoted delimiters are not counted");
    let opts = CsvOptions {
        delimiter: Some("|".into()),
        encoding: None,
    };
    let t = table(b"a,b|c\n1,2|3\n", &opts).unwrap();
    assert_eq!(t.header, ["a,b", "c"]);
    // A one-column header that holds another delimiter gets a hint.
    let opts = CsvOptions {
        delimiter: Some(",".into()),
        encoding: None,
    };
    let t = table(b"a;b\n1;2\n", &opts).unwrap();
    let e = t.column("b").unwrap_err().to_string();
    assert!(e.contains("delimiter = \";\""), "{e}");
}

#[test]
fn encodings_by_setting_and_by_mark() {
    let latin1 = b"name,town\n1,\xc9vry\n";
    let opts = CsvOptions {
        delimiter: None,
        encoding: Some("windows-1252".into()),
    };
    let t = table(latin1, &opts).unwrap();
    assert_eq!((t.get(0, 1), t.encoding), ("Évry", "windows-1252"));
    assert!(t.reading_note("x.csv").unwrap().contains("windows-1252"));
    let (line, field) = error_line(latin1);
    assert_eq!((line, field.as_deref()), (2, Some("town")));
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "a,b\r\n1,é\r\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let t = table(&utf16, &CsvOptions::default()).unwrap();
    assert_eq!((t.get(0, 1), t.lines[0]), ("é", 2));
    assert!(check_options(&CsvOptions {
        delimiter: Some("ab".into()),
        encoding: None
    })
    .is_err());
    assert!(check_options(&CsvOptions {
        delimiter: None,
        encoding: Some("klingon".into())
    })
    .is_err());
}
