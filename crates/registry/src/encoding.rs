//! Every file credence reads (submitted records, policy packs, the sources file) is UTF-8.
//!
//! A file in another encoding is refused with where the first byte that is not UTF-8 is (line,
//! and byte offset in the file and in the line) and, when it can tell, what the file is
//! instead: UTF-16 or UTF-32 (by its byte order mark, or by the NUL bytes UTF-16 puts between
//! ASCII letters), or GBK / GB 18030 (the usual encoding of Chinese text that is not UTF-8).
//! A UTF-8 byte order mark, which spreadsheet programs write, is accepted and dropped.

use std::fmt;

/// A file that is not UTF-8 text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingError {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line of the first offending byte.
    pub line: usize,
    /// 0-based byte offset of that byte in the file.
    pub offset: usize,
    /// 0-based byte offset of that byte in its line.
    pub offset_in_line: usize,
    /// What was found there, in words.
    pub found: String,
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not UTF-8 text: line {}, byte {} of the line (byte {} of the file): {}; \
             credence reads UTF-8 only, save the file as UTF-8 and submit it again",
            credence_model::text::escape(&self.file),
            self.line,
            self.offset_in_line,
            self.offset,
            self.found
        )
    }
}

impl std::error::Error for EncodingError {}

/// The text of a file's bytes, without a UTF-8 byte order mark; or where it is not UTF-8.
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<String, EncodingError> {
    decode_at(file, bytes, At::START)
}

/// Where a piece of a file starts: the piece starts a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The 1-based line of the piece's first byte.
    pub line: usize,
    /// The piece's first byte's offset in the file.
    pub offset: usize,
}

impl At {
    /// The start of the file.
    pub const START: At = At { line: 1, offset: 0 };
}

/// [`decode`] for a piece of a file that starts at `at` (at the beginning of a line): errors
/// name the file's line and offsets, and only the file's first piece may carry a byte order
/// mark.
pub fn decode_at(file: &str, bytes: Vec<u8>, at: At) -> Result<String, EncodingError> {
    let first = at == At::START;
    let error_at = |bytes: &[u8], offset: usize, found: String| {
        let mut error = error_at(file, bytes, offset, found);
        error.line += at.line - 1;
        error.offset += at.offset;
        error
    };
    for (mark, name) in [
        (&[0xFF, 0xFE, 0x00, 0x00][..], "UTF-32 (little-endian)"),
        (&[0x00, 0x00, 0xFE, 0xFF][..], "UTF-32 (big-endian)"),
        (&[0xFF, 0xFE][..], "UTF-16 (little-endian)"),
        (&[0xFE, 0xFF][..], "UTF-16 (big-endian)"),
    ] {
        if first && bytes.starts_with(mark) {
            return Err(error_at(
                &bytes,
                0,
                format!("the file starts with the byte order mark of {name}"),
            ));
        }
    }
    // UTF-16 without a mark is valid UTF-8 when it is all ASCII, but full of NUL bytes; no
    // text file holds one.
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let utf16 = bytes.iter().take(64).filter(|&&b| b == 0).count() >= 8;
        return Err(error_at(
            &bytes,
            offset,
            if utf16 {
                "a NUL byte, one of many: the file looks like UTF-16".to_owned()
            } else {
                "a NUL byte, which no text file holds".to_owned()
            },
        ));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if first && text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let shown: Vec<String> = bytes[offset..]
                .iter()
                .take(4)
                .take_while(|&&b| b != b'\n')
                .map(|b| format!("{b:02X}"))
                .collect();
            let gbk = looks_like_gbk(&bytes[offset..]);
            Err(error_at(
                &bytes,
                offset,
                format!(
                    "the bytes {} are not a UTF-8 character{}",
                    shown.join(" "),
                    if gbk {
                        " (they look like GBK or GB 18030, the usual encoding of Chinese text that \
                         is not UTF-8)"
                    } else {
                        ""
                    }
                ),
            ))
        }
    }
}

/// [`EncodingError`] at `offset` of `bytes`.
fn error_at(file: &str, bytes: &[u8], offset: usize, found: String) -> EncodingError {
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    EncodingError {
        file: file.to_owned(),
        line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
        offset,
        offset_in_line: offset - line_start,
        found,
    }
}

/// Whether the bytes start with a GBK double-byte character (lead 0x81-0xFE, trail 0x40-0xFE
/// but not 0x7F).
fn looks_like_gbk(bytes: &[u8]) -> bool {
    matches!(bytes, [lead, trail, ..] if (0x81..=0xFE).contains(lead)
        && (0x40..=0xFE).contains(trail) && *trail != 0x7F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_and_its_byte_order_mark_is_dropped() {
        assert_eq!(decode("f", "a\n京\n".into()).as_deref(), Ok("a\n京\n"));
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFref\n".to_vec()).as_deref(),
            Ok("ref\n")
        );
        assert_eq!(decode("f", Vec::new()).as_deref(), Ok(""));
    }

    #[test]
    fn gbk_is_refused_at_its_first_byte_with_line_and_offset() {
        // "ref\n京" in GBK: 京 is B E9 A9.
        let error = decode("court.csv", b"ref\nab\xBE\xA9\n".to_vec()).unwrap_err();
        assert_eq!((error.line, error.offset, error.offset_in_line), (2, 6, 2));
        let message = error.to_string();
        assert!(
            message.contains("line 2, byte 2 of the line (byte 6 of the file)"),
            "{message}"
        );
        assert!(
            message.contains("GBK") && message.contains("UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn utf16_and_utf32_are_named() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("ref".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let message = decode("f", utf16).unwrap_err().to_string();
        assert!(message.contains("UTF-16 (little-endian)"), "{message}");
        let message = decode("f", vec![0xFE, 0xFF, 0, b'r'])
            .unwrap_err()
            .to_string();
        assert!(message.contains("UTF-16 (big-endian)"), "{message}");
        let message = decode("f", vec![0xFF, 0xFE, 0, 0, b'r', 0, 0, 0])
            .unwrap_err()
            .to_string();
        assert!(message.contains("UTF-32"), "{message}");
        // Without a mark: the NUL bytes give it away.
        let bare: Vec<u8> = "ref,action,subject\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let error = decode("f", bare).unwrap_err();
        assert_eq!(error.offset, 1);
        assert!(error.to_string().contains("looks like UTF-16"), "{error}");
    }
}
