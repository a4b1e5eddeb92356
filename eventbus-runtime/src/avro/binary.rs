//! The Avro binary primitives: zig-zag varints, lengths, blocks.

use crate::data_error::{DataError, DataErrorKind};

/// Append an Avro `long` (zig-zag, variable length).
pub fn write_long(out: &mut Vec<u8>, value: i64) {
    let mut n = ((value << 1) ^ (value >> 63)) as u64;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Append Avro `bytes`: the length, then the bytes.
pub fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_long(out, bytes.len() as i64);
    out.extend_from_slice(bytes);
}

/// Append an Avro `string`: the length, then the UTF-8 bytes.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    write_bytes(out, s.as_bytes());
}

/// A cursor over Avro binary data that never reads past the end.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Read from `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Reader { input }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.input.len()
    }

    /// Read one byte.
    pub fn read_u8(&mut self) -> Result<u8, DataError> {
        let (&first, rest) = self
            .input
            .split_first()
            .ok_or(DataError::new(DataErrorKind::UnexpectedEnd))?;
        self.input = rest;
        Ok(first)
    }

    /// Read `n` bytes.
    pub fn read_exact(&mut self, n: usize) -> Result<&'a [u8], DataError> {
        if n > self.input.len() {
            return Err(DataError::new(DataErrorKind::UnexpectedEnd));
        }
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(head)
    }

    /// Read an Avro `long`.
    pub fn read_long(&mut self) -> Result<i64, DataError> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.read_u8()?;
            if shift == 63 && byte > 1 {
                return Err(DataError::new(DataErrorKind::InvalidVarint));
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
            }
        }
        Err(DataError::new(DataErrorKind::InvalidVarint))
    }

    /// Read a length prefix and check that the input can hold it.
    pub fn read_len(&mut self) -> Result<usize, DataError> {
        let len = self.read_long()?;
        match usize::try_from(len) {
            Ok(n) if n <= self.input.len() => Ok(n),
            _ => Err(DataError::new(DataErrorKind::InvalidLength(len))),
        }
    }

    /// Read Avro `bytes`.
    pub fn read_bytes(&mut self) -> Result<&'a [u8], DataError> {
        let len = self.read_len()?;
        self.read_exact(len)
    }

    /// Read an Avro `string`.
    pub fn read_str(&mut self) -> Result<&'a str, DataError> {
        let bytes = self.read_bytes()?;
        std::str::from_utf8(bytes).map_err(|_| DataError::new(DataErrorKind::InvalidUtf8))
    }

    /// Read the item count of the next array or map block, `None` at the end marker. A negative
    /// count (followed by the block's size in bytes) is accepted, as the Avro specification allows.
    pub fn read_block_count(&mut self) -> Result<Option<usize>, DataError> {
        let count = self.read_long()?;
        let count = match count {
            0 => return Ok(None),
            n if n < 0 => {
                let _block_size = self.read_long()?;
                n.checked_neg()
                    .ok_or(DataError::new(DataErrorKind::InvalidLength(n)))?
            }
            n => n,
        };
        // Every item takes at least one byte, except empty records, which events never are.
        match usize::try_from(count) {
            Ok(n) if n <= self.input.len() => Ok(Some(n)),
            _ => Err(DataError::new(DataErrorKind::InvalidLength(count))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        write_long(&mut out, value);
        assert_eq!(Reader::new(&out).read_long().unwrap(), value);
        out
    }

    #[test]
    fn longs_are_zigzag_varints() {
        assert_eq!(round_trip(0), [0x00]);
        assert_eq!(round_trip(-1), [0x01]);
        assert_eq!(round_trip(1), [0x02]);
        assert_eq!(round_trip(-64), [0x7f]);
        assert_eq!(round_trip(64), [0x80, 0x01]);
        round_trip(i64::MAX);
        round_trip(i64::MIN);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(Reader::new(&[0x80; 11]).read_long().is_err());
        assert!(Reader::new(&[0x80]).read_long().is_err());
        // A string claiming 100 bytes in a 3-byte input.
        assert_eq!(
            Reader::new(&[0xc8, 0x01, b'a'])
                .read_str()
                .unwrap_err()
                .kind(),
            &DataErrorKind::InvalidLength(100)
        );
        assert_eq!(
            Reader::new(&[0x02, 0xff]).read_str().unwrap_err().kind(),
            &DataErrorKind::InvalidUtf8
        );
        assert!(Reader::new(&[0x01]).read_len().is_err());
    }
}
