//! Words that speak of an address as one of the past (`retired`, `previous`, `no longer`, a
//! date it was in use before), and how far each speaks: the address's own row, the heading
//! above it, the sections under a heading, the list a row leads into, a whole table.

use super::page::{END_OF_LIST, END_OF_ROW, END_OF_SECTION, TableText};

/// Words that speak of an address as one of the past: a notice of a change beside it (`callbacks
/// no longer come from ...`, `until March`, `retired`) makes it no current source.
const PAST_WORDS: [&str; 22] = [
    "no longer",
    "retired",
    "retiring",
    "sunset",
    "phased out",
    "deprecation",
    "archived",
    "outdated",
    "former",
    "previous",
    "removed",
    "deprecated",
    "decommissioned",
    "legacy",
    "old",
    "obsolete",
    "discontinued",
    "expired",
    "historical",
    "superseded",
    "inactive",
    "past",
];

/// Words that speak of the past in an address's own row or the heading right above it
/// (`52.18.147.23 was removed`), but too often say something else in a sentence, a table or a
/// heading further off (`this list was updated`, `Until you allowlist these addresses`).
const ROW_PAST_WORDS: [&str; 11] = [
    "came from",
    "formerly",
    "previously",
    "until",
    // Not `used to` alone: `addresses used to send callbacks` are current ones.
    "used to be",
    "used to come",
    "we used to",
    "replaced",
    "was",
    "were",
    "earlier",
];

/// The months' names as they start (`mar` for `March`), lower-case.
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// How far around an address its row or line is searched for [`PAST_WORDS`]: a sentence, not a
/// long line's every address.
pub(super) const PAST_REACH: usize = 200;

/// The word of [`PAST_WORDS`] that the row or line of the address at `start..end` of `text`
/// (lower-case) holds, or the title of the heading above it (`Retired addresses`), if any.
pub(super) fn speaks_of_the_past(
    text: &str,
    past: &PastWords,
    start: usize,
    end: usize,
    heading: &std::ops::Range<usize>,
) -> Option<&'static str> {
    if heading.start <= start
        && let Some(word) = past.within(heading.start..heading.end.min(start))
    {
        return Some(word);
    }
    let (from, to) = row_around(text, start, end);
    past.within(from..to)
}

/// The word of the past that a row leading into a list (`Previous addresses (in use until
/// March):`), at `range` of `text`, says of the list: one of [`PAST_WORDS`] in its last clause,
/// outside parentheses. What a clause before says (`If you allowlisted the previous addresses,
/// replace them with the following:`) and a parenthesis (`New addresses (replacing the old
/// ones):`) speak of something else. Read from the last [`PAST_REACH`] characters of the row.
pub(super) fn leading_word(
    text: &str,
    past: &PastWords,
    range: std::ops::Range<usize>,
) -> Option<&'static str> {
    let mut from = range.start.max(range.end.saturating_sub(PAST_REACH));
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let part = &text.as_bytes()[from..range.end];
    // The depth of parentheses before each byte, and where the last clause starts.
    let mut depth = Vec::with_capacity(part.len() + 1);
    let mut open = 0i32;
    let mut clause = 0;
    for (at, &b) in part.iter().enumerate() {
        depth.push(open);
        match b {
            b'(' | b'[' => open += 1,
            b')' | b']' => open -= 1,
            b'.' | b',' | b';' if open <= 0 && part.get(at + 1) == Some(&b' ') => clause = at + 1,
            _ => {}
        }
    }
    depth.push(open);
    past.words_in(from + clause..range.end)
        .find(|w| w.reaches && depth[w.at - from] <= 0)
        .map(|w| w.word)
}

/// Where the title of a section that starts at `heading` of `text` is when its heading's is not
/// known (after a rule): its first row, as far as [`PAST_REACH`].
pub(super) fn heading_title(text: &str, heading: usize) -> std::ops::Range<usize> {
    let mut to = (heading + PAST_REACH).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let title = &text[heading..to];
    heading..heading + title.find([END_OF_ROW, END_OF_LIST]).unwrap_or(title.len())
}

/// Where the row or line around `start..end` of `text` starts and ends, as far as
/// [`PAST_REACH`] either way: a sentence, not a long line's every address.
pub(super) fn row_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut from = start.saturating_sub(PAST_REACH);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (end + PAST_REACH).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let row_end = [END_OF_ROW, END_OF_LIST, END_OF_SECTION];
    let from = text[from..start]
        .rfind(row_end)
        .map_or(from, |at| from + at + 1);
    let to = text[end..to].find(row_end).map_or(to, |at| end + at);
    (from, to)
}

/// Whether `text[at..at + len]` stands as a word: no letter or digit runs on either side.
fn is_word(text: &str, at: usize, len: usize) -> bool {
    let bytes = text.as_bytes();
    let word_char = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    !word_char(at.checked_sub(1).and_then(|b| bytes.get(b))) && !word_char(bytes.get(at + len))
}

/// Where words of the past ([`PAST_WORDS`], [`ROW_PAST_WORDS`]) stand as words in a page's text
/// (lower-case), found once, so that a stretch of any length is looked through in the time of a
/// search.
pub(super) struct PastWords(Vec<PastWord>);

/// A word of the past in a page's text: where, which, and whether it speaks for more than its
/// row (one of [`PAST_WORDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PastWord {
    at: usize,
    /// Its length in the text (a no-break space is two bytes).
    len: usize,
    word: &'static str,
    reaches: bool,
}

impl PastWords {
    pub(super) fn find(text: &str) -> PastWords {
        let words = PAST_WORDS
            .into_iter()
            .map(|w| (w, true))
            .chain(ROW_PAST_WORDS.into_iter().map(|w| (w, false)));
        let mut found: Vec<PastWord> = words
            .flat_map(|(word, reaches)| {
                // A phrase is the same with a no-break space between its words (`no&nbsp;longer`).
                let spaced = word.contains(' ').then(|| word.replace(' ', "\u{a0}"));
                let with_no_break = spaced.map(|spaced| {
                    text.match_indices(spaced.as_str())
                        .map(|(at, matched)| (at, matched.len()))
                        .collect::<Vec<_>>()
                });
                text.match_indices(word)
                    .map(|(at, matched)| (at, matched.len()))
                    .chain(with_no_break.into_iter().flatten())
                    .filter(move |(at, len)| is_word(text, *at, *len))
                    // `Until further notice` speaks of now.
                    .filter(move |(at, len)| {
                        word != "until"
                            || !text[at + len..].trim_start().starts_with("further notice")
                    })
                    .map(move |(at, len)| PastWord {
                        at,
                        len,
                        word,
                        reaches,
                    })
            })
            .collect();
        // Words of the past only before a date or an address (`Addresses before March 2024`,
        // `Prior addresses`), not in `before you begin` or `prior to going live`.
        for (word, past) in [
            ("before ", "before"),
            ("prior to ", "prior to"),
            ("prior ", "prior"),
        ] {
            found.extend(
                text.match_indices(word)
                    .filter(|(at, _)| is_word(text, *at, word.len() - 1))
                    .filter(|(at, _)| {
                        let next = text[at + word.len()..].trim_start();
                        next.starts_with(|c: char| c.is_ascii_digit())
                            || MONTHS.iter().any(|month| next.starts_with(month))
                            || (past == "prior"
                                && ["address", "ip", "list", "source", "range"]
                                    .iter()
                                    .any(|noun| next.starts_with(noun)))
                    })
                    .map(|(at, _)| PastWord {
                        at,
                        len: past.len(),
                        word: past,
                        reaches: true,
                    }),
            );
        }
        found.sort_unstable();
        PastWords(found)
    }

    /// The first word that stands wholly in `range`, if any.
    fn within(&self, range: std::ops::Range<usize>) -> Option<&'static str> {
        self.first_in(range, false)
    }

    /// The first word that stands wholly in `range` and speaks for more than its row, if any.
    pub(super) fn reaching(&self, range: std::ops::Range<usize>) -> Option<&'static str> {
        self.first_in(range, true)
    }

    fn first_in(&self, range: std::ops::Range<usize>, reaching: bool) -> Option<&'static str> {
        self.words_in(range)
            .find(|w| w.reaches || !reaching)
            .map(|w| w.word)
    }

    /// The words that stand wholly in `range`, in order.
    fn words_in(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &PastWord> {
        let first = self.0.partition_point(|w| w.at < range.start);
        self.0[first..]
            .iter()
            .take_while(move |w| w.at < range.end)
            .filter(move |w| w.at + w.len <= range.end)
    }

    /// The first word that speaks for more than its row and stands in `table` outside its
    /// caption and footers, if any.
    pub(super) fn in_table(&self, table: &TableText) -> Option<&'static str> {
        let mut from = table.text.start;
        for note in &table.notes {
            if let Some(word) = self.reaching(from..note.start.max(from)) {
                return Some(word);
            }
            from = from.max(note.end);
        }
        self.reaching(from..table.text.end.max(from))
    }
}
