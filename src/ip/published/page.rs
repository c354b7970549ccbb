//! The text a page shows, as the search for addresses reads it: the text a browser shows, with
//! marks where rows, lists and sections end, and where its tables, headings, tab labels and
//! uncertain stretches are. An HTML copy is read by [`super::html`], a copy without tags by
//! [`super::text_copy`].

use super::NotFound;
use super::html;
use super::text_copy::text_copy;

/// Put in a page's text where a row or a line ends (a table row, a list item, a line break, a
/// paragraph; each line of a text copy): a name after an address in the same row is refused.
pub(super) const END_OF_ROW: char = '\u{3}';

/// Put in a page's text where a section starts (a heading, a rule, a Markdown `#` line): an
/// environment named before it names nothing after it.
pub(super) const END_OF_SECTION: char = '\u{2}';

/// Put in a page's text where a block that holds a list ends: the end of a table or a list, a
/// heading or a rule, or a blank line in a text copy. An address after it belongs to no list that
/// was under way before it (a status page's address in the paragraph after the table).
pub(super) const END_OF_LIST: char = '\u{1}';

/// The text of a page as a browser shows it, with marks where rows, lists and sections end, and
/// the stretches of it whose showing is not certain: an HTML copy's as [`super::html::page_text`] reads
/// it; a copy without tags is text, where a blank line ends a list.
pub(super) fn page_text(page: &str) -> Result<PageText, NotFound> {
    if !is_html(page) {
        return Ok(text_copy(page));
    }
    html::page_text(page)
}

/// Whether a page is read as HTML: it starts with markup (after a byte-order mark and white
/// space), has a document's `<html>`, `<head>` or `<body>`, or holds markup that hides or changes
/// text (a comment, a style, a script, hidden content, a character reference, ...). Anything else
/// is a text or Markdown copy, even with a stray `<` in it (`payloads < 1.5 MB`, a `<br>` in a
/// Markdown table, an autolink): its lines are its rows, as a reader sees them.
fn is_html(page: &str) -> bool {
    const CHANGES_TEXT: [&str; 38] = [
        "<!--",
        "hidden",
        "style",
        "<script",
        "<template",
        "<del",
        "<s>",
        "<s ",
        "<strike",
        "<details",
        "<dialog",
        "<noscript",
        "<noembed",
        "<noframes",
        "<iframe",
        "<textarea",
        "<xmp",
        "<plaintext",
        "<listing",
        "<pre",
        "<svg",
        "<math",
        "<select",
        "<object",
        "popover",
        "<video",
        "<audio",
        "<canvas",
        "<title",
        "<rp",
        "<progress",
        "<meter",
        "<input",
        "<caption",
        "<tfoot",
        "<datalist",
        "<table",
        "<wbr",
    ];
    let lower = page.to_ascii_lowercase();
    let start = lower.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<')
        || ["<html", "<head", "<body"]
            .iter()
            .any(|t| lower.contains(t))
    {
        return true;
    }
    lower.contains('<') && CHANGES_TEXT.iter().any(|m| lower.contains(m)) || has_reference(&lower)
}

/// Whether `text` holds a character reference (`&#46;`, `&nbsp;`), which HTML and Markdown
/// decode and a text copy does not.
fn has_reference(text: &str) -> bool {
    text.match_indices('&').any(|(at, _)| {
        let name = text[at + 1..]
            .bytes()
            .take(32)
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'#')
            .count();
        name > 0 && text.as_bytes().get(at + 1 + name) == Some(&b';')
    })
}

/// A page's text as a browser shows it, with marks where rows, lists and sections end, what
/// of it may not show, where its tables and headings are, and its tabs' labels.
pub(super) struct PageText {
    pub(super) text: String,
    pub(super) doubts: Vec<Doubt>,
    /// The tables, in any order: a word of the past anywhere in one but its footer (a
    /// `Previous addresses` column, a title row) speaks for every address in it.
    pub(super) tables: Vec<TableText>,
    /// The headings, in order: a heading of the past speaks for the sections under it.
    pub(super) headings: Vec<Heading>,
    /// Where the text of each tab's label is: a label names the panel shown when it is chosen,
    /// wherever that panel stands.
    pub(super) tab_labels: Vec<std::ops::Range<usize>>,
}

/// A heading in a page's text: where its [`END_OF_SECTION`] mark is, its level (1 for `<h1>`
/// or `#`), and where its title is.
#[derive(Debug)]
pub(super) struct Heading {
    pub(super) at: usize,
    pub(super) level: u8,
    pub(super) title: std::ops::Range<usize>,
}

/// Where a table stands in a page's text, and its caption and footers in it (`<caption>`,
/// `<tfoot>`: a note on the table, such as when it last changed or where removed addresses are
/// listed, says nothing of its rows).
#[derive(Debug)]
pub(super) struct TableText {
    pub(super) text: std::ops::Range<usize>,
    pub(super) notes: Vec<std::ops::Range<usize>>,
}

/// A stretch of a page's text inside an element whose style leaves it uncertain whether a
/// browser shows it, and the declaration that does.
#[derive(Debug)]
pub(super) struct Doubt {
    pub(super) range: std::ops::Range<usize>,
    pub(super) declaration: String,
}

/// `text` with full-width digits and the dots that URL parsers read as `.` (`３４．２４０`,
/// `34。240`) written in ASCII, as a browser's address bar would take them: an address written
/// so is that address, neither cut at them nor dropped.
pub(super) fn plain_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff10}'..='\u{ff19}' => {
                char::from_digit(c as u32 - 0xff10, 10).expect("a decimal digit")
            }
            '\u{3002}' | '\u{ff0e}' | '\u{ff61}' => '.',
            _ => c,
        })
        .collect()
}
