//! Bytes shown in hex on the event and entry pages, capped.

/// At most this many bytes of a key or value are shown in hex.
const MAX_HEX: usize = 64 * 1024;

/// Bytes as hex lines of 16, each with its offset (the first [`MAX_HEX`] bytes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(MAX_HEX)];
    let mut text = shown
        .chunks(16)
        .enumerate()
        .map(|(line, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:06x}  {}", line * 16, hex.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    if bytes.len() > MAX_HEX {
        text.push_str(&format!(
            "\n… {} more bytes not shown ({} in all)",
            bytes.len() - MAX_HEX,
            bytes.len()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lines_and_the_cap() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0, 1, 255]), "000000  00 01 ff");
        let two = hex(&[7u8; 17]);
        assert_eq!(two.lines().nth(1), Some("000010  07"));
        let big = hex(&vec![0u8; MAX_HEX + 5]);
        assert!(
            big.ends_with("… 5 more bytes not shown (65541 in all)"),
            "{}",
            &big[big.len() - 60..]
        );
    }
}
