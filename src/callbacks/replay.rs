//! Replay detection. Smile ID's signature covers the timestamp and partner ID only, never the body,
//! so one captured (timestamp, signature) pair authenticates any body until it goes stale. A pair
//! seen again with a different body is a replay; with the same body it is an honest resend.
//!
//! Bodies are compared by a digest of their canonical form (see [`canonical`]).

use std::cell::RefCell;
use std::fmt;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable, hash_table};
use sha2::{Digest, Sha256};

use crate::callbacks::canonical;
use crate::ingest::payload::Callback;
use crate::signing::signature::DecodedSignature;

/// SHA-256 of a body's canonical form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest(pub [u8; 32]);

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("…")
    }
}

impl BodyDigest {
    /// What the replay log keeps: 120 bits are plenty to tell two bodies apart.
    pub fn prefix(&self) -> [u8; 15] {
        self.0[..15].try_into().expect("15 of 32 bytes")
    }
}

/// The digest of one framed item's body, when it is a callback object.
pub fn item_digest(json: &[u8]) -> Option<BodyDigest> {
    CANONICAL.with_borrow_mut(|(scratch, out)| {
        canonical::item_body(json, scratch, out).map(|text| BodyDigest(Sha256::digest(text).into()))
    })
}

/// [`item_digest`], failing closed: an item whose canonical form cannot be had (never the case
/// for a callback that was accepted, whose body has been read) is named by the SHA-256 of its
/// exact bytes, kept apart from canonical digests by a leading byte no JSON text starts with. A
/// different body then still differs, so a replay never passes as a resend.
pub fn item_digest_or_exact(json: &[u8]) -> BodyDigest {
    item_digest(json).unwrap_or_else(|| {
        let mut exact = Sha256::new();
        exact.update([0xff]);
        exact.update(json);
        BodyDigest(exact.finalize().into())
    })
}

/// The digest of a callback body without its `signature` and `timestamp`.
pub fn body_digest(callback: &Callback<'_>) -> BodyDigest {
    CANONICAL.with_borrow_mut(|(_, out)| digest_body(callback, out))
}

fn digest_body(callback: &Callback<'_>, out: &mut Vec<u8>) -> BodyDigest {
    out.clear();
    canonical::write_body(callback, out);
    BodyDigest(Sha256::digest(&out[..]).into())
}

thread_local! {
    /// Space for the canonical text of one body: reused, since a digest is taken for every
    /// accepted callback of stdin or for a `--seen` store.
    static CANONICAL: RefCell<(canonical::Scratch, Vec<u8>)> =
        RefCell::new((canonical::Scratch::default(), Vec::with_capacity(1024)));
}

/// Identifies a (timestamp, signature) pair: the first 16 bytes of SHA-256 of the signature. A
/// valid signature is an HMAC of its timestamp, so it names the pair; hashing it means the record
/// on disk cannot be turned back into a signature that authenticates anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairId(pub [u8; 16]);

impl PairId {
    pub fn of(signature: &DecodedSignature) -> Self {
        let digest = Sha256::digest(signature.0);
        PairId(digest[..16].try_into().expect("16 of 32 bytes"))
    }

    /// The signature's own first 16 bytes: for a log that never leaves memory (a run without a
    /// `--seen` store), where the hash would cost a third of the SHA-256 work of checking a
    /// callback. They name the pair as well: they are 128 bits of an HMAC.
    pub fn unhashed(signature: &DecodedSignature) -> Self {
        PairId(signature.0[..16].try_into().expect("16 of 32 bytes"))
    }
}

/// What the replay log keeps of an accepted callback's body, packed into 24 bytes (the log holds
/// one per distinct accepted callback): see [`Kept`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SeenBody([u8; 24]);

/// What a [`SeenBody`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// The first 15 bytes of its digest: from input that cannot be read
    /// twice (stdin).
    Digest([u8; 15]),
    /// Where it is in a file that can be read again, with a fingerprint of its bytes as first
    /// read. Digests cost more than everything else `verify` does, and only a repeated pair needs
    /// one, so files are read back instead; the fingerprint makes sure that what is read back
    /// is what was judged (a file rewritten during the run is not trusted).
    At(Location),
}

/// A body's place: the `source`-th re-readable input of the run, `len` bytes from `offset`, and
/// the run's keyed [`Fingerprints`] of those bytes when they were first read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub source: u32,
    pub offset: u64,
    pub len: u32,
    pub fingerprint: u64,
}

/// A 64-bit hash of an item's bytes with a seed drawn afresh each run, taken as the item is first
/// read and checked when its bytes are read back: equal fingerprints mean the file still holds
/// the same bytes there. What it guards against is a file that changes during the run, which its
/// senders cannot arrange: they choose callback bodies, not what a rewrite of the file puts at an
/// offset. So the hash needs a seed they cannot see and a 2^-64 chance of an accidental match,
/// not a cryptographic one's resistance to chosen inputs; anyone who can rewrite the file mid-run
/// could delete a replay from it instead. Every accepted callback is fingerprinted, so the hash
/// is chosen for speed within those needs (foldhash over SipHash: PERFORMANCE.md).
#[derive(Debug, Clone, Default)]
pub struct Fingerprints(foldhash::quality::RandomState);

impl Fingerprints {
    pub fn of(&self, bytes: &[u8]) -> u64 {
        self.0.hash_one(bytes)
    }
}

impl SeenBody {
    pub fn digest(prefix: [u8; 15]) -> SeenBody {
        let mut packed = [0; 24];
        packed[1..16].copy_from_slice(&prefix);
        SeenBody(packed)
    }

    /// `None` for an offset past 256 TiB (48 bits), which the log has no room for.
    pub fn at(location: Location) -> Option<SeenBody> {
        let offset = location.offset.to_le_bytes();
        if offset[6..] != [0, 0] {
            return None;
        }
        let mut packed = [1; 24];
        packed[1..5].copy_from_slice(&location.source.to_le_bytes());
        packed[5..11].copy_from_slice(&offset[..6]);
        packed[11..15].copy_from_slice(&location.len.to_le_bytes());
        packed[15..23].copy_from_slice(&location.fingerprint.to_le_bytes());
        Some(SeenBody(packed))
    }

    pub fn kept(self) -> Kept {
        let [tag, rest @ ..] = self.0;
        if tag == 0 {
            return Kept::Digest(rest[..15].try_into().expect("15 bytes"));
        }
        let mut offset = [0; 8];
        offset[..6].copy_from_slice(&rest[4..10]);
        Kept::At(Location {
            source: u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")),
            offset: u64::from_le_bytes(offset),
            len: u32::from_le_bytes(rest[10..14].try_into().expect("4 bytes")),
            fingerprint: u64::from_le_bytes(rest[14..22].try_into().expect("8 bytes")),
        })
    }
}

impl fmt::Debug for SeenBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kept().fmt(f)
    }
}

/// Whether `current` (an item's bytes) has the same body as the earlier item `earlier` keeps;
/// `read` reads an earlier item's bytes back from its place. An item byte for byte the same as
/// the earlier one was when first read (a saved callback stored twice) needs neither a read nor
/// a digest; others are compared by digest, and `earlier` then keeps its digest, so it is read
/// back once. `None` when the earlier item cannot be read back as it was first read (its file
/// changed or went away), or no longer reads as a callback: the caller fails closed.
pub fn same_body(
    earlier: &mut SeenBody,
    current: &[u8],
    fingerprints: &Fingerprints,
    read: impl FnOnce(Location) -> Option<Vec<u8>>,
) -> Option<bool> {
    let digest = match earlier.kept() {
        Kept::Digest(digest) => digest,
        Kept::At(location) => {
            if fingerprints.of(current) == location.fingerprint {
                return Some(true);
            }
            let bytes = read(location)?;
            if fingerprints.of(&bytes) != location.fingerprint {
                return None;
            }
            let digest = item_digest(&bytes)?.prefix();
            *earlier = SeenBody::digest(digest);
            digest
        }
    };
    Some(item_digest(current).is_some_and(|d| d.prefix() == digest))
}

/// The pairs accepted so far in this run (a `--seen` store keeps them across runs).
///
/// Each pair is looked up at random, once a callback, so what a lookup touches is kept small: the
/// entries (32 bytes each) are written in order, and the table found by hashing holds an 8-byte
/// slot for each: a 32-bit tag of the pair and where its entry is. A table of whole entries was
/// four times larger, outgrew this machine's 2 MiB core cache at about 50k callbacks, and its
/// misses were most of the printing thread's time.
#[derive(Debug)]
pub struct ReplayLog<S = DefaultHashBuilder> {
    entries: Vec<(PairId, SeenBody)>,
    index: HashTable<Slot>,
    /// Tags are a hash keyed afresh each run: pairs come from the input, and input made so that
    /// many share a tag would turn each lookup into a long search.
    keys: S,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    tag: u32,
    entry: u32,
}

impl Slot {
    /// The table's hash of a slot: its tag spread over 64 bits (a slot has room for no more).
    fn hash(tag: u32) -> u64 {
        u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

impl Default for ReplayLog {
    fn default() -> Self {
        ReplayLog::with_keys(DefaultHashBuilder::default())
    }
}

impl<S: BuildHasher> ReplayLog<S> {
    fn with_keys(keys: S) -> Self {
        ReplayLog {
            entries: Vec::new(),
            index: HashTable::new(),
            keys,
        }
    }

    /// Records an accepted callback's pair; when the pair was seen before, returns what was kept
    /// of that earlier body instead (left for the caller to compare, and to refine).
    pub fn sight(&mut self, pair: PairId, body: SeenBody) -> Option<&mut SeenBody> {
        let tag = (self.keys.hash_one(pair) >> 32) as u32;
        let entries = &self.entries;
        let found = self.index.entry(
            Slot::hash(tag),
            // Tags collide about once in 4 billion pairs; the whole pair decides.
            |slot| slot.tag == tag && entries[slot.entry as usize].0 == pair,
            |slot| Slot::hash(slot.tag),
        );
        match found {
            hash_table::Entry::Occupied(earlier) => {
                let entry = earlier.get().entry as usize;
                Some(&mut self.entries[entry].1)
            }
            hash_table::Entry::Vacant(slot) => {
                let entry = u32::try_from(self.entries.len()).expect("fewer than 4 billion pairs");
                slot.insert(Slot { tag, entry });
                self.entries.push((pair, body));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::payload::{Item, parse_item};

    fn digest(json: &str) -> BodyDigest {
        match parse_item(json.as_bytes()) {
            Item::Callback(cb) => body_digest(&cb),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn serde_jsons_private_raw_value_key_is_a_key_like_any_other() {
        // serde_json's Value reads an object led by this key as a raw value in disguise; bodies
        // are never read through Value, so two such bodies that differ stay different.
        let body = |v: &str| {
            format!(r#"{{"$serde_json::private::RawValue":"{v}","signature":"s","timestamp":"t"}}"#)
        };
        let (x, y) = (body("x"), body("y"));
        let (x, y) = (item_digest(x.as_bytes()), item_digest(y.as_bytes()));
        assert!(x.is_some() && y.is_some());
        assert_ne!(x, y);
        assert_eq!(x, Some(digest(&body("x"))));
    }

    #[test]
    fn an_item_without_a_canonical_form_is_named_by_its_exact_bytes() {
        let callback = r#"{"signature":"s","timestamp":"t","a":1}"#;
        assert_eq!(
            item_digest_or_exact(callback.as_bytes()),
            item_digest(callback.as_bytes()).unwrap()
        );
        // Not an object: no canonical body. Two such items never share a digest.
        let (one, other) = (b"[1]".as_slice(), b"[2]".as_slice());
        assert_eq!(item_digest(one), None);
        assert_ne!(item_digest_or_exact(one), item_digest_or_exact(other));
        assert_eq!(item_digest_or_exact(one), item_digest_or_exact(one));
    }

    #[test]
    fn canonical_form_ignores_order_space_and_signed_fields() {
        let a =
            digest(r#"{"signature":"s","timestamp":"t","A":{"x":1,"y":[1,{"q":"a/b"}]},"B":"v"}"#);
        let b = digest(
            "{ \"B\" : \"v\",\n \"A\": {\"y\": [1, {\"q\": \"a\\/b\"}], \"x\": 1}, \"timestamp\":\"other\"}",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn canonical_form_keeps_every_difference_of_content() {
        let base = digest(r#"{"A":{"x":1},"B":"v"}"#);
        for other in [
            r#"{"A":{"x":2},"B":"v"}"#,
            r#"{"A":{"x":1},"B":"w"}"#,
            r#"{"A":{"x":1},"B":"v","C":null}"#,
            r#"{"A":{"x":1,"x":1},"B":"v"}"#,
            r#"{"A":[{"x":1}],"B":"v"}"#,
            r#"{"A":{"x":1.0},"B":"v"}"#,
        ] {
            assert_ne!(digest(other), base, "{other}");
        }
    }

    #[test]
    fn deep_bodies_do_not_exhaust_the_stack() {
        // Found by fuzzing: a signed body nested 10,000 deep overflowed a worker thread's stack.
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        let other = format!(r#"{{"a":{}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        let run = || {
            std::thread::spawn(move || (digest(&deep), digest(&other)))
                .join()
                .unwrap()
        };
        let (a, b) = run();
        assert_ne!(a, b);
    }

    #[test]
    fn sightings_return_the_earlier_body() {
        let mut log = ReplayLog::default();
        let pair = PairId::of(&DecodedSignature([7; 32]));
        let at = SeenBody::at(Location {
            source: 0,
            offset: 10,
            len: 5,
            fingerprint: 9,
        })
        .unwrap();
        let other = SeenBody::digest(digest(r#"{"a":2}"#).prefix());
        assert_eq!(log.sight(pair, at), None);
        assert_eq!(log.sight(pair, other).copied(), Some(at));
        assert_eq!(
            log.sight(PairId::of(&DecodedSignature([8; 32])), other),
            None
        );
    }

    #[test]
    fn pairs_that_share_a_tag_stay_apart() {
        /// Hashes everything to 0: every pair gets the same tag.
        #[derive(Default)]
        struct Constant;
        impl std::hash::Hasher for Constant {
            fn finish(&self) -> u64 {
                0
            }
            fn write(&mut self, _: &[u8]) {}
        }
        fn check(mut log: ReplayLog<impl BuildHasher>) {
            let body = |n: u8| SeenBody::digest([n; 15]);
            let pair = |n: u32| {
                let mut id = [0xAB; 16];
                id[4..8].copy_from_slice(&n.to_le_bytes());
                PairId(id)
            };
            // Many pairs, so that the table grows (and moves its slots) between the sightings.
            for n in 0..2_000 {
                assert_eq!(log.sight(pair(n), body(n as u8)), None, "pair {n}");
            }
            for n in (0..2_000).rev() {
                assert_eq!(log.sight(pair(n), body(0)).copied(), Some(body(n as u8)));
            }
            assert_eq!(log.entries.len(), 2_000);
        }
        check(ReplayLog::with_keys(std::hash::BuildHasherDefault::<
            Constant,
        >::default()));
        check(ReplayLog::default());
    }

    #[test]
    fn pairs_alike_in_their_bytes_get_tags_apart() {
        // Pairs come from the input: pairs made to agree in all but a few bytes must
        // still spread over the table (the tags are keyed), or each lookup would search them all.
        let mut log = ReplayLog::default();
        for n in 0..1_000u32 {
            let mut id = [0; 16];
            id[12..].copy_from_slice(&n.to_le_bytes());
            log.sight(PairId(id), SeenBody::digest([0; 15]));
        }
        let tags: std::collections::HashSet<u32> = log.index.iter().map(|slot| slot.tag).collect();
        assert!(tags.len() > 990, "{} distinct tags of 1000", tags.len());
    }

    #[test]
    fn bodies_pack_into_twenty_four_bytes_and_back() {
        let digest = digest(r#"{"a":1}"#).prefix();
        assert_eq!(SeenBody::digest(digest).kept(), Kept::Digest(digest));
        for location in [
            nowhere(),
            Location {
                source: u32::MAX,
                offset: (1 << 48) - 1,
                len: u32::MAX,
                fingerprint: u64::MAX,
            },
            Location {
                source: 7,
                offset: 0x0102_0304_0506,
                len: 16 << 20,
                fingerprint: 0x0807_0605_0403_0201,
            },
        ] {
            assert_eq!(SeenBody::at(location).unwrap().kept(), Kept::At(location));
        }
        let far = Location {
            offset: 1 << 48,
            ..nowhere()
        };
        assert_eq!(SeenBody::at(far), None);
        assert_eq!(size_of::<SeenBody>() + size_of::<PairId>(), 40);
    }

    #[test]
    fn item_digest_reads_callbacks_only() {
        assert_eq!(
            item_digest(br#"{"b":1, "a":2}"#),
            Some(digest(r#"{"a":2,"b":1}"#))
        );
        assert_eq!(item_digest(b"[1]"), None);
        assert_eq!(item_digest(b"{"), None);
    }

    fn nowhere() -> Location {
        Location {
            source: 0,
            offset: 0,
            len: 0,
            fingerprint: 0,
        }
    }
}
