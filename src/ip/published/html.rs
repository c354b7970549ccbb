//! The text of an HTML copy of the page as a browser shows it. html5ever's tree builder reads the
//! page (every element ends and every character reference decodes where a browser puts it); this
//! walks the tree in document order and writes the text of what shows, with the marks the reading
//! of lists needs ([`END_OF_ROW`], [`END_OF_LIST`], [`END_OF_SECTION`]) where rows, lists and
//! sections end, and the stretches whose showing is not certain ([`Doubt`]).

use std::cell::Cell;
use std::collections::HashMap;

use ego_tree::{NodeId, NodeRef};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::Tracer;
use scraper::node::Element;
use scraper::{Html, HtmlTreeSink, Node};

use super::style::{self, Shown};
use super::{Doubt, END_OF_LIST, END_OF_ROW, END_OF_SECTION, NotFound, plain_digits};

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

/// How much of the page is read between two counts of the open elements: a piece can open at most
/// a third as many elements as it has bytes, so the count never runs far past its limit.
const PIECE: usize = 1024;

/// The page's tree, as html5ever's tree builder makes it, unless it opens more than
/// [`MAX_OPEN_ELEMENTS`] elements at once or holds more than [`MAX_NODES`] nodes.
fn parse(page: &str) -> Result<Html, NotFound> {
    let mut parser =
        html5ever::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    let mut rest = page;
    while !rest.is_empty() {
        let mut cut = PIECE.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, after) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(piece));
        let open = Count(Cell::new(0));
        parser.tokenizer.sink.trace_handles(&open);
        if open.0.get() > MAX_OPEN_ELEMENTS {
            return Err(NotFound::TooDeep);
        }
        if parser.tokenizer.sink.sink.0.borrow().tree.nodes().len() > MAX_NODES {
            return Err(NotFound::TooLarge);
        }
        rest = after;
    }
    Ok(parser.finish())
}

/// Counts the elements the tree builder holds on to (those open, those whose formatting may
/// resume).
struct Count(Cell<usize>);

impl Tracer for Count {
    type Handle = NodeId;

    fn trace_handle(&self, _: &NodeId) {
        self.0.set(self.0.get() + 1);
    }
}

/// Elements whose end ends a row (see [`END_OF_ROW`]), as a line break (`<br>`) does.
const ROW_ENDING_TAGS: [&str; 4] = ["tr", "li", "p", "div"];

/// Elements whose end ends a list: a table or a list. Not a paragraph, cell or item: a list may
/// be written one address to each.
const LIST_ENDING_TAGS: [&str; 3] = ["table", "ul", "ol"];

/// Elements that start a section: a heading or a rule.
const SECTION_TAGS: [&str; 7] = ["h1", "h2", "h3", "h4", "h5", "h6", "hr"];

/// Elements whose content a browser does not show as the page's text (scripts, templates, the
/// title), or shows struck out as no longer true (`<del>`, `<s>`): passed over whole.
const SKIPPED_ELEMENTS: [&str; 11] = [
    "script", "style", "template", "noscript", "noembed", "noframes", "title", "del", "s",
    "strike", "iframe",
];

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
pub(super) fn page_text(page: &str) -> Result<(String, Vec<Doubt>), NotFound> {
    let html = parse(page)?;
    let mut reader = Reader {
        text: String::with_capacity(page.len()),
        doubts: Vec::new(),
        read: Vec::new(),
        open_doubts: Vec::new(),
        set_inside: set_inside(&html),
    };
    reader.walk(html.tree.root());
    Ok((reader.text, reader.doubts))
}

struct Reader {
    text: String,
    doubts: Vec<Doubt>,
    /// The elements being read, innermost last (those passed over are not).
    read: Vec<NodeId>,
    /// Doubtful elements being read: the element, where its text starts, and the declaration
    /// that makes it doubtful.
    open_doubts: Vec<(NodeId, usize, String)>,
    /// For each element with elements inside it, which properties one of them sets again.
    set_inside: HashMap<NodeId, Sets>,
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
                self.text.push_str(&shown_text(text));
                false
            }
            Node::Element(element) => self.open_element(node.id(), element),
            Node::Document | Node::Fragment => true,
            Node::Doctype(_) | Node::Comment(_) | Node::ProcessingInstruction(_) => false,
        }
    }

    fn open_element(&mut self, id: NodeId, element: &Element) -> bool {
        let name = element.name();
        if SKIPPED_ELEMENTS.contains(&name) {
            return false;
        }
        let doubt = match style::shown(element) {
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
        if !is_inline(name) {
            self.text.push('\n');
        }
        if name == "br" {
            self.text.push(END_OF_ROW);
        }
        if SECTION_TAGS.contains(&name) {
            self.text.push(END_OF_SECTION);
        }
        if let Some(declaration) = doubt {
            self.open_doubts.push((id, self.text.len(), declaration));
        }
        true
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
    }
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

/// A text's characters as they show: those that show nothing (a soft hyphen, zero-width and
/// joining characters, direction marks) dropped, and full-width digits and dots read as ASCII.
fn shown_text(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{feff}'
            )
        })
        .collect();
    plain_digits(&visible)
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
