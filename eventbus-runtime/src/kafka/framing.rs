//! The Confluent wire format of keys and values: a zero "magic" byte, the schema id as a
//! big-endian `u32`, then the schemaless Avro data.

/// The magic byte that starts every framed message.
pub const MAGIC_BYTE: u8 = 0;

/// The length of the frame header (magic byte + schema id).
pub const HEADER_LEN: usize = 5;

/// A key or value that is not in the Confluent wire format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// Fewer than 5 bytes.
    #[error(
        "message is too short for the schema registry framing: {len} bytes, at least 5 needed"
    )]
    TooShort {
        /// The length found.
        len: usize,
    },
    /// The first byte is not 0.
    #[error("unknown magic byte {found:#04x}; expected 0x00 (schema registry framing)")]
    WrongMagicByte {
        /// The byte found.
        found: u8,
    },
}

impl From<FramingError> for crate::consume::MessageError {
    fn from(error: FramingError) -> Self {
        let kind = match error {
            FramingError::WrongMagicByte { .. } => "wrong-magic-byte",
            FramingError::TooShort { .. } => "too-short",
        };
        crate::consume::MessageError::Transport {
            kind,
            error: Box::new(error),
        }
    }
}

/// Frame `avro` as written with the schema `schema_id`.
pub fn frame(schema_id: u32, avro: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + avro.len());
    out.push(MAGIC_BYTE);
    out.extend_from_slice(&schema_id.to_be_bytes());
    out.extend_from_slice(avro);
    out
}

/// Split a framed message into its schema id and its Avro data.
pub fn unframe(bytes: &[u8]) -> Result<(u32, &[u8]), FramingError> {
    if bytes.len() < HEADER_LEN {
        // A wrong first byte is the more useful report, even on a short message.
        return match bytes.first() {
            Some(&found) if found != MAGIC_BYTE => Err(FramingError::WrongMagicByte { found }),
            _ => Err(FramingError::TooShort { len: bytes.len() }),
        };
    }
    if bytes[0] != MAGIC_BYTE {
        return Err(FramingError::WrongMagicByte { found: bytes[0] });
    }
    let id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    Ok((id, &bytes[HEADER_LEN..]))
}

/// A framed key as the logs show it: the Avro string it holds (the catalog's keys are strings),
/// else its bytes escaped; `""` when there is no key.
pub fn display_key(key: Option<&[u8]>) -> String {
    let Some(bytes) = key else {
        return String::new();
    };
    unframe(bytes)
        .ok()
        .and_then(|(_, avro)| avro_string(avro))
        .unwrap_or_else(|| bytes.escape_ascii().to_string())
}

/// The Avro string that is exactly `avro` (zigzag varint length, then UTF-8).
fn avro_string(avro: &[u8]) -> Option<String> {
    let (mut raw, mut shift, mut at) = (0u64, 0u32, 0usize);
    loop {
        let byte = *avro.get(at)?;
        at += 1;
        raw |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let len = (raw >> 1) as i64 ^ -((raw & 1) as i64);
    let text = avro.get(at..)?;
    (usize::try_from(len).ok()? == text.len())
        .then(|| std::str::from_utf8(text).ok().map(str::to_owned))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_errors_have_stable_kinds() {
        use crate::consume::MessageError;
        let kind = |e: FramingError| MessageError::from(e).kind();
        assert_eq!(
            kind(FramingError::WrongMagicByte { found: 1 }),
            "wrong-magic-byte"
        );
        assert_eq!(kind(FramingError::TooShort { len: 1 }), "too-short");
    }

    #[test]
    fn frames_round_trip() {
        let framed = frame(0x0102_0304, b"\x02ab");
        assert_eq!(framed, b"\x00\x01\x02\x03\x04\x02ab");
        assert_eq!(unframe(&framed).unwrap(), (0x0102_0304, &b"\x02ab"[..]));
        assert_eq!(unframe(&frame(7, b"")).unwrap(), (7, &b""[..]));
    }

    #[test]
    fn bad_frames_are_errors() {
        assert_eq!(unframe(b""), Err(FramingError::TooShort { len: 0 }));
        assert_eq!(
            unframe(b"\x00\x00\x01"),
            Err(FramingError::TooShort { len: 3 })
        );
        assert_eq!(
            unframe(b"\x01\x00\x00\x00\x01x"),
            Err(FramingError::WrongMagicByte { found: 1 })
        );
        assert_eq!(
            unframe(b"{}"),
            Err(FramingError::WrongMagicByte { found: b'{' })
        );
        assert_eq!(
            FramingError::WrongMagicByte { found: 0x7b }.to_string(),
            "unknown magic byte 0x7b; expected 0x00 (schema registry framing)"
        );
    }

    #[test]
    fn keys_are_shown_decoded() {
        let key = frame(
            7,
            &crate::key::KeyValue::String("course-v1:edX+D+1".into()).encode(),
        );
        assert_eq!(display_key(Some(&key)), "course-v1:edX+D+1");
        assert_eq!(
            display_key(Some(b"\x00\x00\x00\x00\x07\x09")),
            "\\x00\\x00\\x00\\x00\\x07\\t"
        );
        assert_eq!(display_key(Some(b"plain")), "plain");
        assert_eq!(display_key(None), "");
    }
}
