//! The one bit-mask kernel of the fast paths: which bytes of a 64-byte block are quotes,
//! backslashes, control characters, opening or closing brackets (bit i for byte i), and
//! [`prefix_xor`], which turns quote bits into inside-a-string bits. `scan` finds string ends and
//! stray control characters with it, `array` finds where elements end. SSE2 through `safe_arch`'s
//! safe wrappers on x86_64 (a byte loop is four times slower there), a byte loop elsewhere. Each
//! caller reads the masks it needs; inlined, the others are never computed.

/// Where the bytes that matter to JSON's structure are among 64: bit i for byte i.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masks {
    pub(crate) quotes: u64,
    pub(crate) backslashes: u64,
    /// Bytes below 0x20, which a JSON string may not hold raw.
    pub(crate) controls: u64,
    /// `{` and `[`.
    pub(crate) opens: u64,
    /// `}` and `]`.
    pub(crate) closes: u64,
}

/// The masks of 64 bytes, 16 at a time.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, max_u8_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    let mut masks = Masks::default();
    for (i, part) in block.chunks_exact(16).enumerate() {
        let bytes = load_unaligned_m128i(part.try_into().expect("16 bytes"));
        let bits = |m| u64::from(move_mask_i8_m128i(m) as u16) << (16 * i);
        let equal = |byte: u8, of| bits(cmp_eq_mask_i8_m128i(of, set_splat_i8_m128i(byte as i8)));
        let below_space = set_splat_i8_m128i(0x1f);
        // `[` and `{` differ only in bit 5, as do `]` and `}`.
        let folded = bitor_m128i(bytes, set_splat_i8_m128i(0x20));
        masks.quotes |= equal(b'"', bytes);
        masks.backslashes |= equal(b'\\', bytes);
        // max(b, 0x1f) == 0x1f exactly when b ≤ 0x1f, as unsigned bytes.
        masks.controls |= bits(cmp_eq_mask_i8_m128i(
            max_u8_m128i(bytes, below_space),
            below_space,
        ));
        masks.opens |= equal(b'{', folded);
        masks.closes |= equal(b'}', folded);
    }
    masks
}

/// The masks of 64 bytes, a byte at a time.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    let mut masks = Masks::default();
    for (i, &b) in block.iter().enumerate() {
        masks.quotes |= u64::from(b == b'"') << i;
        masks.backslashes |= u64::from(b == b'\\') << i;
        masks.controls |= u64::from(b < 0x20) << i;
        masks.opens |= u64::from(matches!(b, b'{' | b'[')) << i;
        masks.closes |= u64::from(matches!(b, b'}' | b']')) << i;
    }
    masks
}

/// Bit i set when an odd number of bits up to and including i are: with quote bits, the bytes
/// from an opening quote up to (not including) its closing one.
#[inline(always)]
pub(crate) fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masks a byte at a time, whatever `classify` is built from.
    fn reference(block: &[u8; 64]) -> Masks {
        let mut masks = Masks::default();
        for (i, &b) in block.iter().enumerate() {
            masks.quotes |= u64::from(b == b'"') << i;
            masks.backslashes |= u64::from(b == b'\\') << i;
            masks.controls |= u64::from(b < 0x20) << i;
            masks.opens |= u64::from(b == b'{' || b == b'[') << i;
            masks.closes |= u64::from(b == b'}' || b == b']') << i;
        }
        masks
    }

    #[test]
    fn every_byte_value_at_every_position_is_classified_as_a_byte_loop_would() {
        for value in 0..=255u8 {
            for at in [0, 1, 15, 16, 31, 47, 63] {
                let mut block = [b'a'; 64];
                block[at] = value;
                assert_eq!(classify(&block), reference(&block), "{value:#x} at {at}");
            }
        }
        let mixed: [u8; 64] = std::array::from_fn(|i| (i as u8).wrapping_mul(37));
        assert_eq!(classify(&mixed), reference(&mixed));
    }

    #[test]
    fn prefix_xor_marks_the_inside_of_strings() {
        // `"ab"c"d` with quotes at 0, 3 and 5: inside are bytes 0..3 and 5.. .
        let quotes = 1 | 1 << 3 | 1 << 5;
        let inside = prefix_xor(quotes);
        assert_eq!(inside & 0b11_1111, 0b10_0111);
        assert_eq!(
            inside >> 63,
            1,
            "a string left open runs to the block's end"
        );
    }
}
