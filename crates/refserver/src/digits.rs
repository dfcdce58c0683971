//! Writing numbers into strings without the `fmt` machinery: pages format thousands of them.

/// Appends `n` in decimal.
pub(crate) fn decimal(buf: &mut String, n: u64) {
    padded(buf, n, 1);
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits (at most 20).
pub(crate) fn padded(buf: &mut String, mut n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut at = tmp.len();
    loop {
        at -= 1;
        tmp[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let at = at.min(tmp.len().saturating_sub(width));
    // The bytes are ASCII digits.
    buf.push_str(std::str::from_utf8(&tmp[at..]).unwrap_or_default());
}

/// Appends `n` as 16 lowercase hex digits.
pub(crate) fn hex16(buf: &mut String, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        buf.push(HEX[((n >> (shift * 4)) & 0xF) as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_std_formatting() {
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            let mut s = String::new();
            decimal(&mut s, n);
            assert_eq!(s, n.to_string());
            let mut p = String::new();
            padded(&mut p, n, 6);
            assert_eq!(p, format!("{n:06}"));
            let mut h = String::new();
            hex16(&mut h, n);
            assert_eq!(h, format!("{n:016x}"));
        }
    }
}
