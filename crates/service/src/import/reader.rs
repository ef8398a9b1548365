//! A client's CSV bytes as rows of text fields: the encoding (UTF-8, a byte-order mark, or
//! Windows-1252), the delimiter (`,` `;` or tab, read off the header), and the rows, each
//! numbered as a spreadsheet and an editor number them.
//!
//! A row ends at a line end outside quotes, so a quoted field may hold line breaks. A quote
//! that is never closed would swallow the rest of the file into one field; instead, a row
//! that spans lines and does not have the header's number of fields, or whose quote is still
//! open after [`MAX_ROW_LINES`] lines or [`MAX_ROW_BYTES`] bytes (or at the end of the file),
//! is read as a broken first line alone, and reading goes on from the line after it.

use encoding_rs::{Encoding, WINDOWS_1252};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

/// Most physical lines one row may span (a quoted field with line breaks).
pub const MAX_ROW_LINES: usize = 1_000;
/// Most bytes one row may hold.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// How a file's bytes are read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8 (the default); a field that is not UTF-8 rejects its row.
    #[default]
    Utf8,
    /// Windows-1252, the "ANSI" of Western European Windows and of Excel's CSV export.
    Windows1252,
}

impl TextEncoding {
    /// The encoding's name as the command line takes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Windows1252 => "windows-1252",
        }
    }

    fn encoding(self) -> Option<&'static Encoding> {
        match self {
            Self::Utf8 => None,
            Self::Windows1252 => Some(WINDOWS_1252),
        }
    }
}

impl std::str::FromStr for TextEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => Ok(Self::Windows1252),
            other => Err(format!("unknown encoding {other:?}: use utf-8 or windows-1252")),
        }
    }
}

/// One row of the file: its fields as bytes (text once checked), and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The row as a spreadsheet numbers it: the header is row 1, a blank line is a row.
    pub row: u64,
    /// The line it starts on, as an editor numbers it (a quoted line break starts a line).
    pub line: u64,
    /// The row's fields, or why the row could not be split into fields.
    pub fields: Result<Vec<Vec<u8>>, RowFault>,
}

/// A row that could not be split into fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFault {
    /// Why.
    pub message: String,
    /// The row's first line as it is in the file (its line end dropped).
    pub text: Vec<u8>,
}

impl RowFault {
    fn new(message: String, line: &[u8]) -> Self {
        let end = line.iter().rposition(|b| !matches!(b, b'\r' | b'\n')).map_or(0, |i| i + 1);
        Self { message, text: line[..end].to_vec() }
    }
}

/// The rows of a CSV file after its header.
pub struct Rows {
    input: BufReader<DecodeReaderBytes<Box<dyn Read>, Vec<u8>>>,
    delimiter: u8,
    /// Lines read but not yet taken into a row, with their line numbers.
    pending: VecDeque<(u64, Vec<u8>)>,
    /// The number of the next line to read from the input.
    next_line: u64,
    next_row: u64,
    at_end: bool,
    width: usize,
    header: Vec<Vec<u8>>,
    splitter: Splitter,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").field("delimiter", &self.delimiter).field("next_row", &self.next_row).finish()
    }
}

impl Rows {
    /// Opens `input`: decodes it (a byte-order mark decides the encoding when present,
    /// `encoding` otherwise), reads the header, and takes the delimiter from it (`given`, or
    /// whichever of `,` `;` tab it holds most of, outside quotes). Fails when the file has
    /// no header line or the header is not text.
    pub fn open(input: Box<dyn Read>, encoding: TextEncoding, given: Option<u8>) -> Result<Self, String> {
        // UTF-8 is passed through as it is (a field that is not UTF-8 is then its row's
        // fault, named by column), not transcoded with replacement characters.
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(encoding.encoding())
            .bom_override(true)
            .utf8_passthru(true)
            .strip_bom(true)
            .build(input);
        let mut rows = Self {
            input: BufReader::with_capacity(64 * 1024, decoded),
            delimiter: b',',
            pending: VecDeque::new(),
            next_line: 1,
            next_row: 1,
            at_end: false,
            width: 0,
            header: Vec::new(),
            splitter: Splitter::new(b','),
        };
        let first = loop {
            match rows.read_line()? {
                None => return Err("the file is empty: it has no header line".into()),
                Some(line) if is_blank(&line) => {
                    rows.next_row += 1;
                }
                Some(line) => break line,
            }
        };
        if first.contains(&0) || std::str::from_utf8(&first).is_err() {
            return Err("its first line is not text: it is not a CSV file (or not in this encoding)".into());
        }
        rows.delimiter = given.unwrap_or_else(|| sniff_delimiter(&first));
        rows.splitter = Splitter::new(rows.delimiter);
        rows.pending.push_front((rows.next_line - 1, first));
        let header = match rows.next_raw()? {
            Some(RawRow { fields: Ok(fields), .. }) => fields,
            Some(RawRow { fields: Err(fault), .. }) => {
                return Err(format!("its header line cannot be read: {}", fault.message));
            }
            None => return Err("the file is empty: it has no header line".into()),
        };
        rows.width = header.len();
        rows.header = header;
        Ok(rows)
    }

    /// The header's column names, trimmed.
    pub fn header(&self) -> Vec<String> {
        self.header.iter().map(|name| String::from_utf8_lossy(name).trim().to_owned()).collect()
    }

    /// The delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The next row, or `None` at the end of the file; `Err` only when the input fails.
    pub fn next_row(&mut self) -> Result<Option<RawRow>, String> {
        self.next_raw()
    }

    fn next_raw(&mut self) -> Result<Option<RawRow>, String> {
        loop {
            if self.pending.is_empty() {
                match self.read_line()? {
                    Some(line) => self.pending.push_back((self.next_line - 1, line)),
                    None => return Ok(None),
                }
            }
            let (line, first_is_blank) = match self.pending.front() {
                Some((line, bytes)) => (*line, is_blank(bytes)),
                None => continue,
            };
            let row = self.next_row;
            self.next_row += 1;
            if first_is_blank {
                self.pending.pop_front();
                continue;
            }
            // The lines the row spans: up to the first line end outside quotes.
            let mut quote = QuoteState::default();
            let mut taken = 0;
            let mut bytes = 0;
            let closed = loop {
                if taken == self.pending.len() {
                    match self.read_line()? {
                        Some(next) => self.pending.push_back((self.next_line - 1, next)),
                        None => break false,
                    }
                }
                let text = &self.pending[taken].1;
                quote.scan(text, self.delimiter);
                taken += 1;
                bytes += text.len();
                if !quote.open {
                    break true;
                }
                if taken >= MAX_ROW_LINES || bytes >= MAX_ROW_BYTES {
                    break false;
                }
            };
            if !closed {
                let (_, text) = self.pending.pop_front().unwrap_or_default();
                let fields = Err(RowFault::new(broken_quote(&text, self.delimiter), &text));
                return Ok(Some(RawRow { row, line, fields }));
            }
            let joined: Vec<u8> = self.pending.iter().take(taken).flat_map(|(_, l)| l.iter().copied()).collect();
            let fields = self.splitter.split(&joined);
            if taken > 1 && (quote.malformed || self.width > 0 && fields.len() != self.width) {
                // A quote opened on the first line closed somewhere below, in another row:
                // the first line alone is the broken one.
                let (_, text) = self.pending.pop_front().unwrap_or_default();
                let fault = RowFault::new(broken_quote(&text, self.delimiter), &text);
                return Ok(Some(RawRow { row, line, fields: Err(fault) }));
            }
            self.pending.drain(..taken);
            let fields = if self.width > 0 && fields.len() != self.width {
                let message = format!("the row has {} fields and the header {}", fields.len(), self.width);
                Err(RowFault::new(message, &joined))
            } else {
                Ok(fields)
            };
            return Ok(Some(RawRow { row, line, fields }));
        }
    }

    /// The next physical line with its line end, or `None` at the end of the input.
    fn read_line(&mut self) -> Result<Option<Vec<u8>>, String> {
        if self.at_end {
            return Ok(None);
        }
        let mut line = Vec::new();
        let read = self.input.read_until(b'\n', &mut line).map_err(|e| format!("reading the file: {e}"))?;
        if read == 0 {
            self.at_end = true;
            return Ok(None);
        }
        self.next_line += 1;
        Ok(Some(line))
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b'\r' | b'\n'))
}

/// Where a row's quotes stand after the lines scanned so far.
#[derive(Debug, Default)]
struct QuoteState {
    /// Inside a quoted field.
    open: bool,
    /// The last byte scanned inside a quoted field was a quote (it closes the field unless
    /// another quote follows: `""` is a quote in the text).
    maybe_closing: bool,
    /// A closing quote was followed by something other than a delimiter or a line end
    /// (`"Di;;` ... `6;"Ed`): the quote that opened the field was likely never closed.
    malformed: bool,
}

impl QuoteState {
    /// Scans one line. A quote opens a quoted field only at the field's start (as the csv
    /// crate reads it, a quote inside an unquoted field is a plain character).
    fn scan(&mut self, line: &[u8], delimiter: u8) {
        let mut at_field_start = !self.open;
        for &b in line {
            if self.open {
                if self.maybe_closing {
                    self.maybe_closing = false;
                    if b == b'"' {
                        continue;
                    }
                    self.open = false;
                    at_field_start = b == delimiter;
                    self.malformed |= !matches!(b, b'\r' | b'\n') && b != delimiter;
                } else if b == b'"' {
                    self.maybe_closing = true;
                }
            } else if at_field_start && b == b'"' {
                self.open = true;
                at_field_start = false;
            } else {
                at_field_start = b == delimiter;
            }
        }
        if self.open && self.maybe_closing {
            // The quote was the line's last byte before its end: the field closed there.
            self.open = false;
            self.maybe_closing = false;
        }
    }
}

/// Splits rows into fields with one CSV parser, built once (building one per row was most
/// of the import's reading time).
struct Splitter {
    parser: csv_core::Reader,
    output: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    fn new(delimiter: u8) -> Self {
        Self {
            parser: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            output: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// A row's bytes split into fields (quotes removed, `""` read as `"`), line end dropped.
    fn split(&mut self, row: &[u8]) -> Vec<Vec<u8>> {
        self.parser.reset();
        let mut input = row.to_vec();
        if input.last() != Some(&b'\n') {
            input.push(b'\n');
        }
        // Fields are never longer than the row, and never more than its bytes plus one.
        self.output.resize(input.len(), 0);
        self.ends.resize(input.len() + 1, 0);
        let (_, _, _, fields) = self.parser.read_record(&input, &mut self.output, &mut self.ends);
        let mut start = 0;
        self.ends[..fields]
            .iter()
            .map(|&end| {
                let field = self.output[start..end].to_vec();
                start = end;
                field
            })
            .collect()
    }
}

fn broken_quote(line: &[u8], delimiter: u8) -> String {
    format!(
        "a quoted field opened on this line is not closed where the row ends (field {} of the line); close it with \
         a quote, and write a quote inside a field as \"\"",
        open_field(line, delimiter)
    )
}

/// The field (counted from 1) whose opening quote is still open at the line's end.
fn open_field(line: &[u8], delimiter: u8) -> usize {
    let (mut field, mut opened) = (1, 1);
    let (mut open, mut closing, mut at_start) = (false, false, true);
    for &b in line {
        if open {
            if closing {
                closing = false;
                if b == b'"' {
                    continue;
                }
                open = false;
            } else {
                closing = b == b'"';
                continue;
            }
        } else if at_start && b == b'"' {
            (open, opened, at_start) = (true, field, false);
            continue;
        }
        at_start = b == delimiter;
        field += usize::from(b == delimiter);
    }
    opened
}

/// Whichever of `,` `;` tab the header holds most of outside quotes (`,` on a tie or none).
fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(slot) = counts.iter_mut().find(|(d, _)| *d == b) {
            slot.1 += 1;
        }
    }
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(text: &[u8]) -> (Vec<String>, Vec<RawRow>) {
        let mut rows = Rows::open(Box::new(std::io::Cursor::new(text.to_vec())), TextEncoding::Utf8, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let header = rows.header();
        let mut all = Vec::new();
        while let Some(row) = rows.next_row().unwrap_or_else(|e| panic!("{e}")) {
            all.push(row);
        }
        (header, all)
    }

    fn texts(row: &RawRow) -> Vec<String> {
        match &row.fields {
            Ok(fields) => fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
            Err(fault) => vec![format!("ERR {}", fault.message)],
        }
    }

    #[test]
    fn semicolons_a_bom_crlf_and_a_quoted_line_break_are_read_as_a_spreadsheet_would() {
        let (header, rows) = rows_of(b"\xEF\xBB\xBFid;name\r\n1;\"Ann\r\nSmith\"\r\n\r\n2;\"Bo \"\"B\"\"\"\r\n");
        assert_eq!(header, ["id", "name"]);
        let found: Vec<(u64, u64, Vec<String>)> = rows.iter().map(|r| (r.row, r.line, texts(r))).collect();
        assert_eq!(
            found,
            [
                (2, 2, vec!["1".to_owned(), "Ann\r\nSmith".to_owned()]),
                (4, 5, vec!["2".to_owned(), "Bo \"B\"".to_owned()])
            ]
        );
    }

    #[test]
    fn a_quote_never_closed_rejects_its_line_alone_and_the_rows_after_it_are_read() {
        let (_, rows) = rows_of(b"id,name\n1,\"Ann\n2,Bo\n3,\"Cy\"\n4,Di\n");
        let found: Vec<(u64, Vec<String>)> = rows.iter().map(|r| (r.row, texts(r))).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].1[0].starts_with("ERR a quoted field opened on this line is not closed"), "{found:?}");
        assert_eq!(found[0].0, 2);
        assert_eq!(
            &found[1..],
            [
                (3, vec!["2".into(), "Bo".into()]),
                (4, vec!["3".into(), "Cy".into()]),
                (5, vec!["4".into(), "Di".into()])
            ]
        );
    }

    #[test]
    fn the_broken_quote_is_named_by_its_field() {
        assert_eq!(open_field(b"1,\"Ann\n", b','), 2);
        assert_eq!(open_field(b"\"a\"\"b,\",\"c\r\n", b','), 2);
        assert_eq!(open_field(b"x;y;\"z", b';'), 3);
        assert_eq!(open_field(b"12\" pizza,\"open", b','), 2);
    }

    #[test]
    fn a_quote_open_at_the_end_of_the_file_rejects_only_its_line() {
        let (_, rows) = rows_of(b"id,name\n1,Ann\n2,\"Bo\n");
        assert_eq!(texts(&rows[0]), ["1", "Ann"]);
        assert!(texts(&rows[1])[0].starts_with("ERR a quoted field"));
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_text() {
        let (_, rows) = rows_of(b"id,name\n1,12\" pizza\n2,Bo\n");
        assert_eq!(texts(&rows[0]), ["1", "12\" pizza"]);
        assert_eq!(texts(&rows[1]), ["2", "Bo"]);
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_says_so() {
        let (_, rows) = rows_of(b"id,name\n1,Ann,extra\n");
        assert_eq!(texts(&rows[0]), ["ERR the row has 3 fields and the header 2"]);
    }

    #[test]
    fn windows_1252_is_transcoded_and_utf_8_bytes_pass_through_unchanged() {
        let mut rows = Rows::open(Box::new(&b"id\tname\n1\tJos\xe9\n"[..]), TextEncoding::Windows1252, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.delimiter(), b'\t');
        let row = rows.next_row().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a row"));
        assert_eq!(texts(&row), ["1", "José"]);
        let mut rows = Rows::open(Box::new(&b"id,name\n1,Jos\xe9\n"[..]), TextEncoding::Utf8, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let row = rows.next_row().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a row"));
        assert_eq!(row.fields, Ok(vec![b"1".to_vec(), b"Jos\xe9".to_vec()]));
    }

    #[test]
    fn binary_and_empty_input_is_one_clear_error() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
        let error = Rows::open(Box::new(&png[..]), TextEncoding::Utf8, None).unwrap_err();
        assert_eq!(error, "its first line is not text: it is not a CSV file (or not in this encoding)");
        let error = Rows::open(Box::new(&b"\n\n"[..]), TextEncoding::Utf8, None).unwrap_err();
        assert_eq!(error, "the file is empty: it has no header line");
    }
}
