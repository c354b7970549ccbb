//! The text of an HTML copy of the page as a browser shows it. html5ever's tree builder reads the
//! page (every element ends and every character reference decodes where a browser puts it); this
//! walks the tree in document order and writes the text of what shows, with the marks the reading
//! of lists needs ([`END_OF_ROW`], [`END_OF_LIST`], [`END_OF_SECTION`]) where rows, lists and
//! sections end, and the stretches whose showing is not certain ([`Doubt`]).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use ego_tree::{NodeId, NodeRef};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::Tracer;
use scraper::node::Element;
use scraper::{Html, HtmlTreeSink, Node};

use super::NotFound;
use super::page::{
    Doubt, END_OF_LIST, END_OF_ROW, END_OF_SECTION, Heading, PageText, TableText, plain_digits,
};
use super::style::{self, Shown};

/// How many elements may be open at once (nested, or left open for formatting to resume): a page
/// past it is refused. The tree builder looks through the open elements for many of the tags it
/// reads, so the time a page takes grows with its length times this; Blink builds no deeper than
/// 512 either, and a real page stays far below.
pub(super) const MAX_OPEN_ELEMENTS: usize = 512;

/// How many nodes (elements, texts, comments) the page's tree may hold: a page past it is refused.
/// Each costs about 150 bytes, so a page of nothing but tags (`<p><p><p>...`, a node every three
/// bytes) would take several times the memory a real page ever does; Smile ID's page has a few
/// thousand.
pub(super) const MAX_NODES: usize = 200_000;

/// How long the page's markup may take to read. Some markup takes the tree builder time out of
/// proportion to its length that no count above bounds (an element with a hundred thousand
/// attributes is checked for a duplicate of each); a real page takes milliseconds.
const READ_WITHIN: Duration = Duration::from_secs(10);

/// How much of the page is read between two counts of the open elements: a piece can open at most
/// a third as many elements as it has bytes, so the count never runs far past its limit.
const PIECE: usize = 1024;

/// The page's tree, as html5ever's tree builder makes it, unless it opens more than
/// [`MAX_OPEN_ELEMENTS`] elements at once or holds more than [`MAX_NODES`] nodes.
fn parse(page: &str, within: Duration) -> Result<Html, NotFound> {
    let started = Instant::now();
    let mut parser =
        html5ever::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    let open = Held(RefCell::new(HashSet::new()));
    let mut rest = page;
    while !rest.is_empty() {
        let mut cut = PIECE.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, after) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(piece));
        open.0.borrow_mut().clear();
        parser.tokenizer.sink.trace_handles(&open);
        if open.0.borrow().len() > MAX_OPEN_ELEMENTS {
            return Err(NotFound::TooDeep);
        }
        if started.elapsed() > within {
            return Err(NotFound::TooSlow(within));
        }
        if parser.tokenizer.sink.sink.0.borrow().tree.nodes().len() > MAX_NODES {
            return Err(NotFound::TooLarge);
        }
        rest = after;
    }
    Ok(parser.finish())
}

/// The elements the tree builder holds on to (those open, those whose formatting may resume),
/// each once.
struct Held(RefCell<HashSet<NodeId>>);

impl Tracer for Held {
    type Handle = NodeId;

    fn trace_handle(&self, node: &NodeId) {
        self.0.borrow_mut().insert(*node);
    }
}

/// Elements whose end ends a row (see [`END_OF_ROW`]), as a line break (`<br>`) does: the blocks,
/// which a browser shows on lines of their own. Not a table's cell, which stands in its row.
const ROW_ENDING_TAGS: [&str; 48] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "plaintext",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
    "xmp",
];

/// Elements whose end ends a list: a table, a list, a code block. Not a paragraph, cell or item:
/// a list may be written one address to each.
const LIST_ENDING_TAGS: [&str; 5] = ["table", "ul", "ol", "dl", "pre"];

/// Elements that start a section: a heading or a rule.
const SECTION_TAGS: [&str; 7] = ["h1", "h2", "h3", "h4", "h5", "h6", "hr"];

/// Elements whose content a browser does not show as the page's text (scripts, templates, the
/// title, the fallback of media a browser plays or draws, ruby's parentheses), or shows struck out
/// as no longer true (`<del>`, `<s>`): passed over whole.
const SKIPPED_ELEMENTS: [&str; 17] = [
    "script", "style", "template", "noscript", "noembed", "noframes", "title", "del", "s",
    "strike", "iframe", "video", "audio", "canvas", "progress", "meter", "rp",
];

/// Elements whose content shows in a way this reading does not follow: a drop-down list (one
/// option shows), an object's fallback (shown when what it embeds fails), SVG and MathML, which
/// show only some of their text, by rules of their own, and a table's caption and footer, which
/// show above and below its rows wherever they are written. An address or a name inside one
/// refuses the page.
const UNFOLLOWED_ELEMENTS: [&str; 6] = ["select", "object", "svg", "math", "caption", "tfoot"];

/// Elements whose white space shows as written; elsewhere a run of it shows as one space.
const PREFORMATTED: [&str; 5] = ["pre", "textarea", "xmp", "listing", "plaintext"];

/// Elements that stand inside a run of text: a browser shows the text on either side as one word,
/// so an address may be written across them (`34.240.137.5<span>2</span>`, `34.240.<wbr>137.52`).
/// Every other element (a cell, a line break, a paragraph) separates.
const INLINE_TAGS: [&str; 27] = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u", "var",
    "wbr",
];

/// The text of `page` as a browser shows it, and the stretches of it whose showing is not
/// certain. An element separates the text before and after it by a line end unless it is inline;
/// an element of a name no browser knows (`<span-x>`, a custom element) is inline. Content that
/// does not show (scripts, what a style or the `hidden` attribute hides, a closed `<details>` but
/// its summary) adds nothing, not even a line end.
pub(super) fn page_text(page: &str) -> Result<PageText, NotFound> {
    let html = parse(page, READ_WITHIN)?;
    if let Some(label) = declared_encoding(&html) {
        return Err(NotFound::Encoding(label));
    }
    let mut reader = Reader {
        text: String::with_capacity(page.len()),
        doubts: Vec::new(),
        read: Vec::new(),
        open_doubts: Vec::new(),
        open_tab_labels: Vec::new(),
        tab_labels: Vec::new(),
        set_inside: set_inside(&html),
        shadow_hosts: shadow_hosts(&html),
        radio_labels: radio_labels(&html),
        open_tables: Vec::new(),
        tables: Vec::new(),
        headings: Vec::new(),
        open_heading: None,
        preformatted: 0,
        foreign: 0,
    };
    reader.walk(html.tree.root());
    Ok(PageText {
        text: reader.text,
        doubts: reader.doubts,
        tables: reader.tables,
        headings: reader.headings,
        tab_labels: reader.tab_labels,
    })
}

struct Reader {
    text: String,
    doubts: Vec<Doubt>,
    /// The elements being read, innermost last (those passed over are not).
    read: Vec<NodeId>,
    /// Doubtful elements being read: the element, where its text starts, and the declaration
    /// that makes it doubtful.
    open_doubts: Vec<(NodeId, usize, String)>,
    /// Tabs' labels being read: the element, and where its text starts.
    open_tab_labels: Vec<(NodeId, usize)>,
    /// The text of the tabs' labels read so far (see [`PageText::tab_labels`]).
    tab_labels: Vec<Range<usize>>,
    /// For each element with elements inside it, which properties one of them sets again.
    set_inside: HashMap<NodeId, Sets>,
    /// Elements with a declarative shadow root (a `<template shadowrootmode>` child).
    shadow_hosts: HashSet<NodeId>,
    /// The labels of the page's radio buttons, which may be tabs.
    radio_labels: HashSet<NodeId>,
    /// The tables being read, innermost last.
    open_tables: Vec<Table>,
    /// The tables read so far (see [`PageText::tables`]).
    tables: Vec<TableText>,
    /// The headings read so far (see [`PageText::headings`]).
    headings: Vec<Heading>,
    /// The heading being read, whose title ends where it does.
    open_heading: Option<NodeId>,
    /// How many elements that keep white space as written are being read.
    preformatted: usize,
    /// How many SVG and MathML elements (`<svg>`, `<math>`) are being read.
    foreign: usize,
}

impl Reader {
    /// Reads the nodes under `root` in document order, without recursion: a page may nest
    /// elements as deep as it likes.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        let Some(mut node) = root.first_child() else {
            return;
        };
        loop {
            if self.open(node) {
                self.read.push(node.id());
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
            }
            let mut done = node;
            loop {
                self.close(done);
                if let Some(next) = done.next_sibling() {
                    node = next;
                    break;
                }
                match done.parent() {
                    Some(parent) if parent.id() != root.id() => done = parent,
                    _ => return,
                }
            }
        }
    }

    /// Reads what `node` shows at its start; whether what is inside it shows.
    fn open(&mut self, node: NodeRef<'_, Node>) -> bool {
        if !shown_in_parent(node) {
            return false;
        }
        match node.value() {
            Node::Text(text) => {
                self.text.push_str(&shown_text(text, self.preformatted > 0));
                false
            }
            Node::Element(element) => self.open_element(node.id(), element),
            Node::Document | Node::Fragment => true,
            Node::Doctype(_) | Node::Comment(_) | Node::ProcessingInstruction(_) => false,
        }
    }

    fn open_element(&mut self, id: NodeId, element: &Element) -> bool {
        let name = element.name();
        // A declarative shadow root's content shows (in place of its host's): read, inside the
        // host's doubt.
        let shadow_root = name == "template" && element.attr("shadowrootmode").is_some();
        if SKIPPED_ELEMENTS.contains(&name) && !shadow_root {
            if name == "iframe" {
                self.attribute_text("<iframe> srcdoc", element.attr("srcdoc"));
            }
            return false;
        }
        let shown = match style::shown(element) {
            // Inside SVG or MathML, what hides an element is theirs to say (an HTML attribute
            // such as `hidden` may not): not certain either way.
            Shown::Hidden | Shown::HiddenUnlessSetInside(..) if self.foreign > 0 => {
                Shown::Doubtful(format!("<{name}> hidden inside SVG or MathML"))
            }
            shown => shown,
        };
        // A column's style (`<col style="visibility: collapse">`) may hide cells wherever they
        // are written; which ones is not followed here, so the table's addresses are doubtful.
        if matches!(name, "col" | "colgroup")
            && shown != Shown::Yes
            && in_html_namespace(element)
            && let Some(table) = self.open_tables.last_mut()
        {
            table.columns_styled = true;
        }
        let doubt = match shown {
            Shown::Yes => None,
            Shown::Hidden => return false,
            // Hidden, unless an element inside sets the property again: then doubtful.
            Shown::HiddenUnlessSetInside(property, value) => {
                let set_again = self
                    .set_inside
                    .get(&id)
                    .is_some_and(|sets| sets.contains(property));
                if !set_again {
                    return false;
                }
                Some(format!("{property}: {value}, set again inside"))
            }
            Shown::Doubtful(declaration) => Some(declaration),
        };
        let tab_label = self.is_tab_label(id, element);
        let doubt = doubt.or_else(|| {
            if UNFOLLOWED_ELEMENTS.contains(&name) {
                Some(format!("<{name}>"))
            } else if tab_label {
                // A tab's label names what shows when it is chosen, not what follows it.
                Some(format!("<{name}> tab label"))
            } else if self.shadow_hosts.contains(&id) {
                // What shows is its shadow tree, with its own content only where a slot puts it.
                Some(format!("<{name}> with a shadow root"))
            } else {
                None
            }
        });
        if PREFORMATTED.contains(&name) {
            self.preformatted += 1;
        }
        if matches!(name, "svg" | "math") {
            self.foreign += 1;
        }
        if !is_inline(name) {
            self.text.push('\n');
        }
        if name == "br" {
            self.text.push(END_OF_ROW);
        }
        if SECTION_TAGS.contains(&name) {
            if let Some(level) = name.strip_prefix('h').and_then(|n| n.parse().ok()) {
                let at = self.text.len();
                self.headings.push(Heading {
                    at,
                    level,
                    title: at + 1..at + 1,
                });
                self.open_heading = Some(id);
            }
            self.text.push(END_OF_SECTION);
        }
        if let Some(declaration) = doubt {
            self.open_doubts.push((id, self.text.len(), declaration));
        }
        if tab_label {
            self.open_tab_labels.push((id, self.text.len()));
        }
        if in_html_namespace(element) {
            if name == "table" {
                self.open_tables.push(Table {
                    start: self.text.len(),
                    notes: Vec::new(),
                    note_start: None,
                    columns_styled: false,
                });
            } else if matches!(name, "tfoot" | "caption")
                && let Some(table) = self.open_tables.last_mut()
            {
                table.note_start = Some(self.text.len());
            }
        }
        if name == "input" && shows_its_value(element) {
            self.attribute_text("<input> value", element.attr("value"));
        }
        true
    }

    /// Whether `element` is a tab's label: marked so (`role="tab"`), or the label of a radio
    /// button, as tabs made without scripts are (MkDocs' content tabs: a style shows the panel
    /// of the button chosen, wherever the labels stand).
    fn is_tab_label(&self, id: NodeId, element: &Element) -> bool {
        element
            .attr("role")
            .is_some_and(|r| r.trim().eq_ignore_ascii_case("tab"))
            || self.radio_labels.contains(&id)
    }

    /// The text of an attribute a browser shows as content (an input's value, an inline
    /// frame's page), read as doubtful: whether and where it shows is not followed here.
    fn attribute_text(&mut self, what: &str, value: Option<&str>) {
        let Some(value) = value else {
            return;
        };
        self.text.push('\n');
        let start = self.text.len();
        self.text.push_str(&shown_text(value, false));
        self.doubts.push(Doubt {
            range: start..self.text.len(),
            declaration: what.to_owned(),
        });
        self.text.push('\n');
    }

    /// Reads what `node` shows at its end, once all inside it is read (or passed over): an
    /// element that was read ends its row or list; a hidden one shows nothing.
    fn close(&mut self, node: NodeRef<'_, Node>) {
        if self.read.last() != Some(&node.id()) {
            return;
        }
        self.read.pop();
        let Node::Element(element) = node.value() else {
            return;
        };
        let name = element.name();
        if PREFORMATTED.contains(&name) {
            self.preformatted -= 1;
        }
        if matches!(name, "svg" | "math") {
            self.foreign -= 1;
        }
        if self.open_heading == Some(node.id()) {
            self.open_heading = None;
            if let Some(heading) = self.headings.last_mut() {
                heading.title.end = self.text.len();
            }
        }
        if in_html_namespace(element) {
            match name {
                "table" => {
                    if let Some(table) = self.open_tables.pop() {
                        let text = table.start..self.text.len();
                        if table.columns_styled {
                            self.doubts.push(Doubt {
                                range: text.clone(),
                                declaration: "a column's style (<col>, <colgroup>)".into(),
                            });
                        }
                        // A table with a heading inside lays out a page (a column of navigation
                        // beside the content), and is no table of data: its words do not speak
                        // for all of it.
                        let lays_out_a_page =
                            self.headings.last().is_some_and(|h| h.at >= table.start);
                        if !lays_out_a_page {
                            self.tables.push(TableText {
                                text,
                                notes: table.notes,
                            });
                        }
                    }
                }
                "tfoot" | "caption" => {
                    if let Some(table) = self.open_tables.last_mut()
                        && let Some(start) = table.note_start.take()
                    {
                        table.notes.push(start..self.text.len());
                    }
                }
                _ => {}
            }
        }
        if !is_inline(name) {
            self.text.push('\n');
        }
        if ROW_ENDING_TAGS.contains(&name) || LIST_ENDING_TAGS.contains(&name) {
            self.text.push(END_OF_ROW);
        }
        if LIST_ENDING_TAGS.contains(&name) {
            self.text.push(END_OF_LIST);
        }
        if self
            .open_doubts
            .last()
            .is_some_and(|(id, _, _)| *id == node.id())
            && let Some((_, start, declaration)) = self.open_doubts.pop()
        {
            self.doubts.push(Doubt {
                range: start..self.text.len(),
                declaration,
            });
        }
        if self
            .open_tab_labels
            .last()
            .is_some_and(|(id, _)| *id == node.id())
            && let Some((_, start)) = self.open_tab_labels.pop()
        {
            self.tab_labels.push(start..self.text.len());
        }
    }
}

/// A table being read: where its text starts, and its caption's and footers'.
struct Table {
    start: usize,
    notes: Vec<Range<usize>>,
    /// Where the caption or footer being read starts.
    note_start: Option<usize>,
    /// Whether a column's style may hide some of its cells.
    columns_styled: bool,
}

/// Whether an `<input>` shows its value as text: a text field (also of a type a browser does not
/// know) or a button does; a radio button, a checkbox, a hidden field and the like do not.
fn shows_its_value(input: &Element) -> bool {
    const NOT_SHOWN: [&str; 6] = ["hidden", "radio", "checkbox", "password", "file", "image"];
    !input
        .attr("type")
        .is_some_and(|t| NOT_SHOWN.iter().any(|n| t.trim().eq_ignore_ascii_case(n)))
}

/// Whether `element` is an HTML element: SVG and MathML have elements of the same names
/// (`<td>` in SVG is no table cell).
fn in_html_namespace(element: &Element) -> bool {
    element.name.ns == html5ever::ns!(html)
}

/// Whether `node` shows where it stands in its parent: in a closed `<details>`, only its first
/// `<summary>` does.
fn shown_in_parent(node: NodeRef<'_, Node>) -> bool {
    let Some(Node::Element(parent)) = node.parent().map(|p| p.value()) else {
        return true;
    };
    if parent.name() != "details" || parent.attr("open").is_some() {
        return true;
    }
    let is_summary =
        |n: &NodeRef<'_, Node>| matches!(n.value(), Node::Element(e) if e.name() == "summary");
    is_summary(&node) && !node.prev_siblings().any(|n| is_summary(&n))
}

fn is_inline(name: &str) -> bool {
    INLINE_TAGS.contains(&name) || !name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A text's characters as they show: a run of white space as one space (unless `preformatted`), a
/// control character as a space, those that show nothing (a soft hyphen, zero-width and joining
/// characters, direction marks) dropped, and full-width digits and dots read as ASCII.
fn shown_text(text: &str, preformatted: bool) -> String {
    let mut visible = String::with_capacity(text.len());
    for c in text.chars() {
        let white = matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}');
        if c == '\n' && preformatted {
            // A line of preformatted text is a row of its own, as a line of a text copy is.
            visible.push('\n');
            visible.push(END_OF_ROW);
            continue;
        }
        if white && !preformatted {
            if !visible.ends_with(' ') {
                visible.push(' ');
            }
            continue;
        }
        if c.is_control() && !white {
            // A box or a gap in a browser, never part of a word: it separates as a space does.
            visible.push(' ');
            continue;
        }
        if shows_nothing(c) {
            continue;
        }
        visible.push(c);
    }
    plain_digits(&visible)
}

/// Whether `c` is a format character that shows nothing: a soft hyphen, a zero-width or joining
/// character, a direction mark, a byte-order mark.
fn shows_nothing(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// An encoding the page declares (`<meta charset>`, or `http-equiv` `content-type`) in which its
/// bytes may read otherwise than as UTF-8 in an address: one that is not ASCII where ASCII is (a
/// byte of a character in Shift_JIS, GBK or Big5 may be one, UTF-16 and ISO-2022 are other
/// schemes). UTF-8 and the single-byte encodings read ASCII as ASCII.
fn declared_encoding(html: &Html) -> Option<String> {
    const OTHERWISE: [&str; 13] = [
        "16", "32", "2022", "jis", "kanji", "31j", "gb", "big5", "hz", "utf-7", "euc", "949",
        "ks_c",
    ];
    html.tree.root().descendants().find_map(|node| {
        let Node::Element(meta) = node.value() else {
            return None;
        };
        if meta.name() != "meta" {
            return None;
        }
        let label = match meta.attr("charset") {
            Some(label) => label.to_owned(),
            None if meta
                .attr("http-equiv")
                .is_some_and(|h| h.trim().eq_ignore_ascii_case("content-type")) =>
            {
                let content = meta.attr("content")?.to_ascii_lowercase();
                let (_, after) = content.split_once("charset=")?;
                after
                    .trim_start_matches(['"', '\''])
                    .split(['"', '\'', ';', ' '])
                    .next()?
                    .to_owned()
            }
            None => return None,
        };
        let lower = label.trim().to_ascii_lowercase();
        OTHERWISE
            .iter()
            .any(|word| lower.contains(word))
            .then_some(label)
    })
}

/// The elements with a declarative shadow root: a `<template shadowrootmode>` among their children.
fn shadow_hosts(html: &Html) -> HashSet<NodeId> {
    html.tree
        .root()
        .descendants()
        .filter(|node| {
            matches!(node.value(), Node::Element(e) if e.name() == "template" && e.attr("shadowrootmode").is_some())
        })
        .filter_map(|template| template.parent().map(|p| p.id()))
        .collect()
}

/// The `<label>`s of the page's radio buttons (`<input type="radio">`): a label names the button
/// its `for` gives, or without one a button inside it, as a browser pairs them.
fn radio_labels(html: &Html) -> HashSet<NodeId> {
    let radios: Vec<NodeRef<Node>> = html
        .tree
        .root()
        .descendants()
        .filter(|node| {
            matches!(node.value(), Node::Element(e) if e.name() == "input"
                && e.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("radio")))
        })
        .collect();
    let radio_ids: HashSet<&str> = radios
        .iter()
        .filter_map(|node| node.value().as_element()?.attr("id"))
        .collect();
    let mut labels = HashSet::new();
    // Each element is climbed through once: above one already climbed, the rest was too.
    let mut climbed = HashSet::new();
    for radio in &radios {
        for node in radio.ancestors() {
            if !climbed.insert(node.id()) {
                break;
            }
            if let Some(e) = node.value().as_element()
                && e.name() == "label"
                && e.attr("for").is_none()
            {
                labels.insert(node.id());
            }
        }
    }
    labels.extend(
        html.tree
            .root()
            .descendants()
            .filter(|node| {
                matches!(node.value(), Node::Element(e) if e.name() == "label"
                    && e.attr("for").is_some_and(|id| radio_ids.contains(id)))
            })
            .map(|node| node.id()),
    );
    labels
}

/// Properties an element may set again inside one whose style hides its content with them.
#[derive(Debug, Clone, Copy, Default)]
struct Sets {
    visibility: bool,
    font_size: bool,
}

impl Sets {
    fn contains(self, property: &str) -> bool {
        match property {
            "visibility" => self.visibility,
            "font-size" => self.font_size,
            _ => false,
        }
    }

    fn with(self, other: Sets) -> Sets {
        Sets {
            visibility: self.visibility || other.visibility,
            font_size: self.font_size || other.font_size,
        }
    }
}

/// For each element, which properties an element inside it sets again, found in one pass from
/// the last node of the page to the first (each element's inside is read before the element).
fn set_inside(html: &Html) -> HashMap<NodeId, Sets> {
    let nodes: Vec<NodeRef<'_, Node>> = html.tree.root().descendants().collect();
    let mut inside: HashMap<NodeId, Sets> = HashMap::new();
    for node in nodes.iter().rev() {
        let Node::Element(element) = node.value() else {
            continue;
        };
        let sheet = text_of(*node);
        let own = Sets {
            visibility: style::may_set_again(element, &sheet, "visibility"),
            font_size: style::may_set_again(element, &sheet, "font-size"),
        };
        let below = inside.get(&node.id()).copied().unwrap_or_default();
        if let Some(parent) = node.parent() {
            let entry = inside.entry(parent.id()).or_default();
            *entry = entry.with(own).with(below);
        }
    }
    inside
}

/// The text of a `<style>` element (a stylesheet may set a property for anything inside); empty
/// for any other element.
fn text_of(node: NodeRef<'_, Node>) -> String {
    match node.value() {
        Node::Element(element) if element.name() == "style" => node
            .children()
            .filter_map(|child| child.value().as_text().map(|t| t.to_string()))
            .collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup that takes longer than it may to read is refused between two pieces of it.
    #[test]
    fn a_page_that_takes_too_long_to_read_is_refused() {
        let page = "<p>x</p>".repeat(PIECE);
        assert!(parse(&page, READ_WITHIN).is_ok());
        assert!(matches!(
            parse(&page, Duration::ZERO),
            Err(NotFound::TooSlow(d)) if d == Duration::ZERO
        ));
    }
}
