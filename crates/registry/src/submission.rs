//! Reading a submitted file within the limits of one batch, so that a file too large to be a
//! batch is refused before it is read whole.
//!
//! A regular file larger than the byte limit is refused from its size alone, without reading a
//! byte. Anything else (a pipe, a device, a file that grows) is read in pieces and refused as
//! soon as it crosses a limit: more bytes than a batch may hold, a line longer than any record
//! (`/dev/zero`, a binary file), or more rows than a batch may hold. A NUL byte, which no text
//! file holds, stops the reading at once and is reported by [`encoding`] with
//! its line and offset. What is read is then decoded as UTF-8 by the same rules as every file.

use std::io::{ErrorKind, Read};
use std::path::Path;

use credence_store::BATCH_EVENTS_MAX;

use crate::encoding::{self, EncodingError};
use crate::intake::LINE_MAX;

/// The most bytes one submitted file may hold: five million rows of up to 400 bytes.
pub const BATCH_BYTES_MAX: u64 = 2 * 1024 * 1024 * 1024;

/// What a file read by [`read_limited`] may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes.
    pub bytes: u64,
    /// The longest line, in bytes, without its line break.
    pub line_bytes: usize,
    /// The most lines that are not blank (a CSV file's header is one of them).
    pub lines: usize,
}

impl Limits {
    /// A file submitted as one batch: at most [`BATCH_EVENTS_MAX`] rows and a header.
    pub const BATCH: Limits = Limits {
        bytes: BATCH_BYTES_MAX,
        line_bytes: LINE_MAX,
        lines: BATCH_EVENTS_MAX + 1,
    };
    /// A document an operator writes (a policy pack, the sources file).
    pub const DOCUMENT: Limits = Limits {
        bytes: 16 * 1024 * 1024,
        line_bytes: LINE_MAX,
        lines: 1_000_000,
    };
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    #[error(
        "`{file}` is {size} bytes, more than the {max} bytes one file may hold: split it into \
         several files (nothing of it was read)"
    )]
    TooLarge { file: String, size: u64, max: u64 },
    #[error(
        "`{file}` holds more than {max} bytes, the most one file may hold: split it into several \
         files (reading stopped there, nothing was accepted)"
    )]
    TooManyBytes { file: String, max: u64 },
    #[error(
        "`{file}`, line {line}: the line is longer than {max} bytes, more than any record holds: \
         is this a records file? (reading stopped there, nothing was accepted)"
    )]
    LineTooLong {
        file: String,
        line: usize,
        max: usize,
    },
    #[error(
        "`{file}` has more than {max} lines, more rows than one batch may hold: split it into \
         several files (reading stopped at line {line}, nothing was accepted)"
    )]
    TooManyLines {
        file: String,
        line: usize,
        max: usize,
    },
    #[error("reading `{file}`: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// Reads a file by its path within `limits` (see the module documentation).
pub fn read_path(path: &std::path::Path, limits: &Limits) -> Result<String, ReadError> {
    let file = credence_model::text::escape(&path.display().to_string()).into_owned();
    let io = |source| ReadError::Io {
        file: file.clone(),
        source,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    let metadata = handle.metadata().map_err(io)?;
    let size = metadata.is_file().then_some(metadata.len());
    if let Some(size) = size
        && size > limits.bytes
    {
        return Err(ReadError::TooLarge {
            file,
            size,
            max: limits.bytes,
        });
    }
    read_limited(&file, handle, size, limits)
}

/// Reads `reader` (named `file` in errors) within `limits`; `size` is its length when known.
pub fn read_limited(
    file: &str,
    reader: impl Read,
    size: Option<u64>,
    limits: &Limits,
) -> Result<String, ReadError> {
    let capacity = size.unwrap_or(0).min(limits.bytes) as usize;
    let mut text = String::with_capacity(capacity);
    let mut blocks = Blocks::new(file, reader, *limits, false);
    while let Some(block) = blocks.next_block()? {
        if text.is_empty() {
            text = block.text;
        } else {
            text.push_str(&block.text);
        }
    }
    Ok(text)
}

/// What a source submitted: the bytes of a file in memory (a request's body, a test's text) or
/// a file by its path. Either can be read more than once, block by block ([`Blocks`]), so that
/// no more than a block of it is held at a time.
#[derive(Clone, Copy, Debug)]
pub enum Submitted<'a> {
    Bytes(&'a [u8]),
    Path(&'a Path),
}

impl<'a> From<&'a str> for Submitted<'a> {
    fn from(text: &'a str) -> Self {
        Submitted::Bytes(text.as_bytes())
    }
}

impl<'a> From<&'a String> for Submitted<'a> {
    fn from(text: &'a String) -> Self {
        Submitted::Bytes(text.as_bytes())
    }
}

impl<'a> From<&'a [u8]> for Submitted<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Submitted::Bytes(bytes)
    }
}

impl<'a> From<&'a Path> for Submitted<'a> {
    fn from(path: &'a Path) -> Self {
        Submitted::Path(path)
    }
}

impl<'a> Submitted<'a> {
    /// Opens it for reading in blocks of whole lines (of whole CSV records when `quoted`),
    /// named `file` in errors. A regular file larger than the byte limit is refused here, from
    /// its size alone.
    pub fn blocks(
        &self,
        file: &str,
        limits: Limits,
        quoted: bool,
    ) -> Result<Blocks<Box<dyn Read + 'a>>, ReadError> {
        let reader: Box<dyn Read + 'a> = match *self {
            Submitted::Bytes(bytes) => Box::new(bytes),
            Submitted::Path(path) => {
                let io = |source| ReadError::Io {
                    file: file.to_owned(),
                    source,
                };
                let handle = std::fs::File::open(path).map_err(io)?;
                let metadata = handle.metadata().map_err(io)?;
                if metadata.is_file() && metadata.len() > limits.bytes {
                    return Err(ReadError::TooLarge {
                        file: file.to_owned(),
                        size: metadata.len(),
                        max: limits.bytes,
                    });
                }
                Box::new(handle)
            }
        };
        Ok(Blocks::new(file, reader, limits, quoted))
    }
}

/// How many bytes a block holds (it ends at the first line break after this many).
pub const BLOCK_BYTES: usize = 4 << 20;

/// A block of a submitted file: whole lines, decoded.
#[derive(Debug)]
pub struct Block {
    pub text: String,
    /// Where its first byte is in the file (its first line's number and offset).
    pub at: encoding::At,
}

/// A file read block by block within its limits, each block whole lines (for CSV, whole
/// records: a line break inside a quoted cell does not end a block) decoded as UTF-8, so that
/// what is held at a time is one block whatever the file's size. The limits are kept as in
/// [`read_limited`]: reading stops as soon as one is crossed.
#[derive(Debug)]
pub struct Blocks<R> {
    file: String,
    reader: R,
    limits: Limits,
    quoted: bool,
    scan: Scan,
    /// Bytes read and not yet handed out; they start a line.
    carry: Vec<u8>,
    /// Bytes read so far.
    read: u64,
    /// Where `carry` starts.
    at: encoding::At,
    /// Nothing more to read (end of file, or a NUL byte, which decoding reports).
    ended: bool,
    /// A block ends at the first line break after this many bytes.
    block_bytes: usize,
}

impl<R: Read> Blocks<R> {
    pub fn new(file: &str, reader: R, limits: Limits, quoted: bool) -> Blocks<R> {
        Blocks {
            file: file.to_owned(),
            reader,
            limits,
            quoted,
            scan: Scan::new(),
            carry: Vec::new(),
            read: 0,
            at: encoding::At::START,
            ended: false,
            block_bytes: BLOCK_BYTES,
        }
    }

    /// Blocks of about `bytes` bytes instead of [`BLOCK_BYTES`] (at least one line each).
    pub fn with_block_bytes(mut self, bytes: usize) -> Blocks<R> {
        self.block_bytes = bytes.max(1);
        self
    }

    /// The next block, `None` at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Block>, ReadError> {
        let piece = self.block_bytes.clamp(1, 1 << 20);
        loop {
            if self.ended || self.carry.len() >= self.block_bytes {
                if let Some(cut) = self.cut() {
                    return self.hand_out(cut).map(Some);
                }
                if self.ended {
                    return Ok(None);
                }
            }
            let start = self.carry.len();
            self.carry.resize(start + piece, 0);
            let n = match self.reader.read(&mut self.carry[start..]) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    self.carry.truncate(start);
                    continue;
                }
                Err(source) => {
                    return Err(ReadError::Io {
                        file: self.file.clone(),
                        source,
                    });
                }
            };
            self.carry.truncate(start + n);
            self.read += n as u64;
            if n == 0 {
                self.ended = true;
                continue;
            }
            if self.read > self.limits.bytes {
                return Err(ReadError::TooManyBytes {
                    file: self.file.clone(),
                    max: self.limits.bytes,
                });
            }
            if self.carry[start..].contains(&0) {
                // No text holds a NUL: decoding the block names where it is.
                self.ended = true;
                continue;
            }
            self.scan
                .feed(&self.carry[start..], &self.file, &self.limits)?;
        }
    }

    /// Where the next block ends: after the last line break (outside quotes, for CSV) of what
    /// was read, or everything at the end of the file; `None` when nothing is left.
    fn cut(&self) -> Option<usize> {
        if self.carry.is_empty() {
            return None;
        }
        if self.ended {
            return Some(self.carry.len());
        }
        let last_break = |bytes: &[u8]| bytes.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        if !self.quoted {
            return last_break(&self.carry);
        }
        // The carry starts a record: a line break ends one where the quotes before it pair up.
        let mut inside = false;
        let mut cut = None;
        for (i, &byte) in self.carry.iter().enumerate() {
            match byte {
                b'"' => inside = !inside,
                b'\n' if !inside => cut = Some(i + 1),
                _ => {}
            }
        }
        // A quote left open over more than a block: no record is that long (a row holds at
        // most a line's limit), so the file is broken there; cut at a line break anyway and
        // let the reader of the rows report it.
        cut.or_else(|| {
            (self.carry.len() > self.block_bytes + self.limits.line_bytes)
                .then(|| last_break(&self.carry))
                .flatten()
        })
    }

    fn hand_out(&mut self, cut: usize) -> Result<Block, ReadError> {
        let rest = self.carry.split_off(cut);
        let bytes = std::mem::replace(&mut self.carry, rest);
        let at = self.at;
        self.at = encoding::At {
            line: at.line + bytes.iter().filter(|&&b| b == b'\n').count(),
            offset: at.offset + bytes.len(),
        };
        let text = encoding::decode_at(&self.file, bytes, at)?;
        Ok(Block { text, at })
    }
}

/// Lines seen so far, the length of the current one and whether it holds anything but blanks.
#[derive(Debug)]
struct Scan {
    /// Lines completed (line breaks seen).
    breaks: usize,
    /// Lines completed that are not blank.
    lines: usize,
    current: usize,
    current_blank: bool,
    /// Whether the current line's last byte is a carriage return (part of a CRLF break).
    ends_in_cr: bool,
}

impl Scan {
    fn new() -> Scan {
        Scan {
            breaks: 0,
            lines: 0,
            current: 0,
            current_blank: true,
            ends_in_cr: false,
        }
    }

    fn too_long(&self, file: &str, limits: &Limits) -> ReadError {
        ReadError::LineTooLong {
            file: file.to_owned(),
            line: self.breaks + 1,
            max: limits.line_bytes,
        }
    }

    fn feed(&mut self, piece: &[u8], file: &str, limits: &Limits) -> Result<(), ReadError> {
        for &byte in piece {
            if byte == b'\n' {
                let length = self.current - usize::from(self.ends_in_cr);
                if length > limits.line_bytes {
                    return Err(self.too_long(file, limits));
                }
                self.breaks += 1;
                if !self.current_blank {
                    self.lines += 1;
                    if self.lines > limits.lines {
                        return Err(ReadError::TooManyLines {
                            file: file.to_owned(),
                            line: self.breaks,
                            max: limits.lines,
                        });
                    }
                }
                self.current = 0;
                self.current_blank = true;
                continue;
            }
            self.current += 1;
            self.ends_in_cr = byte == b'\r';
            if !byte.is_ascii_whitespace() {
                self.current_blank = false;
            }
            if self.current > limits.line_bytes + 1 {
                // `+ 1`: a CRLF line's carriage return is part of its break.
                return Err(self.too_long(file, limits));
            }
        }
        // The last line of the file may have no line break.
        if !self.current_blank && self.lines + 1 > limits.lines {
            return Err(ReadError::TooManyLines {
                file: file.to_owned(),
                line: self.breaks + 1,
                max: limits.lines,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        bytes: 4 * 1024 * 1024,
        line_bytes: 100,
        lines: 1_000,
    };

    /// A reader that counts what it hands out: the proof that reading stopped early.
    struct Counted<R> {
        inner: R,
        read: u64,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    fn counted<R: Read>(inner: R) -> Counted<R> {
        Counted { inner, read: 0 }
    }

    #[test]
    fn a_file_within_the_limits_is_read_whole() {
        let text = "ref,action\n".repeat(1_000);
        assert_eq!(
            read_limited("f", text.as_bytes(), None, &SMALL).unwrap(),
            text
        );
        // Blank lines do not count as rows; the last line needs no line break.
        let text = format!("{}\n\n  \nlast", "a\n".repeat(999));
        assert_eq!(
            read_limited("f", text.as_bytes(), None, &SMALL).unwrap(),
            text
        );
    }

    #[test]
    fn one_line_more_than_the_limit_is_refused_naming_the_line() {
        let text = "a\n".repeat(1_001);
        let error = read_limited("court.csv", text.as_bytes(), None, &SMALL).unwrap_err();
        assert!(
            matches!(
                error,
                ReadError::TooManyLines {
                    line: 1_001,
                    max: 1_000,
                    ..
                }
            ),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("`court.csv` has more than 1000 lines") && message.contains("split"),
            "{message}"
        );
        // Without a final line break too.
        let text = format!("{}a", "a\n".repeat(1_000));
        let error = read_limited("f", text.as_bytes(), None, &SMALL).unwrap_err();
        assert!(matches!(error, ReadError::TooManyLines { .. }), "{error:?}");
    }

    #[test]
    fn an_endless_stream_of_rows_is_refused_after_a_bounded_read() {
        let mut reader = counted(RowsForever);
        let error = read_limited("pipe", &mut reader, None, &SMALL).unwrap_err();
        assert!(matches!(error, ReadError::TooManyLines { .. }), "{error:?}");
        assert!(reader.read <= 2 * 1024 * 1024, "read {} bytes", reader.read);
    }

    /// `y\n` for ever, like `yes`.
    struct RowsForever;

    impl Read for RowsForever {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            for pair in buf.chunks_mut(2) {
                pair[0] = b'y';
                if let Some(second) = pair.get_mut(1) {
                    *second = b'\n';
                }
            }
            Ok(buf.len() - buf.len() % 2)
        }
    }

    #[test]
    fn a_line_longer_than_any_record_stops_the_reading() {
        let mut reader = counted(std::io::repeat(b'a'));
        let error = read_limited("f", &mut reader, None, &SMALL).unwrap_err();
        assert!(
            matches!(
                error,
                ReadError::LineTooLong {
                    line: 1,
                    max: 100,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(reader.read <= 2 * 1024 * 1024, "read {} bytes", reader.read);
        let text = format!("short\n{}\n", "x".repeat(101));
        let error = read_limited("f", text.as_bytes(), None, &SMALL).unwrap_err();
        assert!(
            matches!(error, ReadError::LineTooLong { line: 2, .. }),
            "{error:?}"
        );
        // A line of exactly the limit, with a CRLF break, is a line.
        let text = format!("{}\r\n", "x".repeat(100));
        assert!(read_limited("f", text.as_bytes(), None, &SMALL).is_ok());
    }

    #[test]
    fn nul_bytes_stop_the_reading_and_are_reported_by_position() {
        let mut reader = counted(std::io::repeat(0));
        let error = read_limited("/dev/zero", &mut reader, None, &SMALL).unwrap_err();
        match error {
            ReadError::Encoding(e) => assert_eq!((e.line, e.offset), (1, 0)),
            other => panic!("{other:?}"),
        }
        assert!(reader.read <= 2 * 1024 * 1024, "read {} bytes", reader.read);
    }

    #[test]
    fn more_bytes_than_the_limit_are_refused_even_in_short_lines() {
        let limits = Limits {
            bytes: 1024 * 1024,
            line_bytes: 100,
            lines: usize::MAX,
        };
        let mut reader = counted(RowsForever);
        let error = read_limited("f", &mut reader, None, &limits).unwrap_err();
        assert!(
            matches!(error, ReadError::TooManyBytes { max: 1_048_576, .. }),
            "{error:?}"
        );
        assert!(reader.read <= 3 * 1024 * 1024, "read {} bytes", reader.read);
    }

    #[test]
    fn a_regular_file_over_the_limit_is_refused_before_a_byte_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jsonl");
        // Sparse: no disk space, and unreadable if it were read (all NUL).
        std::fs::File::create(&path)
            .unwrap()
            .set_len(SMALL.bytes + 1)
            .unwrap();
        let error = read_path(&path, &SMALL).unwrap_err();
        assert!(
            matches!(error, ReadError::TooLarge { size, .. } if size == SMALL.bytes + 1),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("nothing of it was read"),
            "{error}"
        );
    }

    /// Every block of `text` read in blocks of about `bytes`.
    fn blocks_of(text: &str, bytes: usize, quoted: bool) -> Vec<Block> {
        let mut blocks = Blocks::new("f", text.as_bytes(), SMALL, quoted).with_block_bytes(bytes);
        let mut out = Vec::new();
        while let Some(block) = blocks.next_block().unwrap() {
            out.push(block);
        }
        out
    }

    #[test]
    fn blocks_are_whole_lines_and_say_where_they_start() {
        let text = "l1\nline 2\n\nl4\nthe fifth\nl6";
        for bytes in 1..=text.len() + 1 {
            let blocks = blocks_of(text, bytes, false);
            let joined: String = blocks.iter().map(|b| b.text.as_str()).collect();
            assert_eq!(joined, text, "{bytes}");
            for block in &blocks[..blocks.len() - 1] {
                assert!(block.text.ends_with('\n'), "{bytes}: {blocks:?}");
            }
            for block in &blocks {
                assert_eq!(&text[block.at.offset..][..block.text.len()], block.text);
                assert_eq!(
                    block.at.line,
                    1 + text[..block.at.offset].matches('\n').count()
                );
            }
        }
    }

    #[test]
    fn a_csv_block_never_ends_inside_a_quoted_cell() {
        let text = "a,\"x\ny\"\nb,\"p\nq\nr\"\nc,d\n\"e\nf\",g\nh\n";
        for bytes in 1..=text.len() {
            let blocks = blocks_of(text, bytes, true);
            let mut seen = String::new();
            for block in &blocks {
                seen.push_str(&block.text);
                assert_eq!(seen.matches('"').count() % 2, 0, "{bytes}: {blocks:?}");
            }
            assert_eq!(seen, text);
        }
    }

    #[test]
    fn a_quote_left_open_does_not_make_one_block_of_the_whole_file() {
        // No record holds more than a line's limit: past a block and that, the block ends at
        // a line break even inside the open quote, and the file is still read to its end.
        let line = format!("x,{}\n", "y".repeat(40));
        let text = format!("a,\"open\n{}", line.repeat(20));
        let blocks = blocks_of(&text, 16, true);
        assert!(blocks.len() > 2, "{}", blocks.len());
        assert!(
            blocks
                .iter()
                .all(|b| b.text.len() <= 16 + SMALL.line_bytes + 64)
        );
        let joined: String = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn a_bad_byte_in_a_later_block_is_named_by_the_files_line_and_offset() {
        let mut bytes = b"first\nsecond\nthird \xC4\xE3\n".to_vec();
        bytes.extend_from_slice(b"fourth\n");
        let mut blocks = Blocks::new("f.csv", &bytes[..], SMALL, false).with_block_bytes(4);
        let error = loop {
            match blocks.next_block() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the bad bytes were not found"),
                Err(ReadError::Encoding(e)) => break e,
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(
            (error.line, error.offset, error.offset_in_line),
            (3, 19, 6),
            "{error}"
        );
        // A byte order mark is only one at the start of the file.
        let blocks = blocks_of("\u{feff}a\n\u{feff}b\n", 1, false);
        assert_eq!(blocks[0].text, "a\n");
        assert_eq!(blocks[1].text, "\u{feff}b\n");
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let error = read_path(std::path::Path::new("/no/such/file.csv"), &SMALL).unwrap_err();
        assert!(matches!(error, ReadError::Io { .. }), "{error:?}");
        assert!(error.to_string().contains("/no/such/file.csv"), "{error}");
    }
}
