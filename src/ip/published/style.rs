//! Whether a browser shows an element of the page, from the element itself: the `hidden`
//! attribute and the declarations of its inline `style` that hide content (`display: none`,
//! `visibility: hidden`, `opacity: 0`, `font-size: 0`, `content-visibility: hidden`). A style this
//! reading cannot judge (a `var()`, a CSS escape, a faint opacity) is said to be doubtful: the
//! page's text inside it is then taken only if nothing there matters. Stylesheets and classes are
//! not read.

use scraper::node::Element;

/// What an element's attributes say of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shown {
    /// Shown, as far as its own tag says.
    Yes,
    /// Never shown, whatever is inside (`display: none`, `opacity: 0`, `hidden`).
    Hidden,
    /// Not shown unless an element inside sets this property again (`visibility: visible`
    /// inside `visibility: hidden`, a `font-size` in pixels inside `font-size: 0`): the
    /// property and its value.
    HiddenUnlessSetInside(&'static str, String),
    /// Not certain: the declaration that could hide it, as written.
    Doubtful(String),
}

/// What `element`'s attributes (their character references decoded) say of its content.
pub(super) fn shown(element: &Element) -> Shown {
    let attribute = |wanted: &str| element.attr(wanted);
    let name = element.name();
    // A closed `<dialog>` and a `<datalist>` are `display: none` in the browser's own style
    // sheet, as `hidden` is. (A closed `<details>` hides all but its summary: the reading of the
    // page's tree sees to that.)
    // A `popover` is hidden the same way until something opens it.
    let hidden_attribute = attribute("hidden").is_some()
        || attribute("popover").is_some()
        || name == "datalist"
        || (name == "dialog" && attribute("open").is_none());
    let Some(style) = attribute("style") else {
        return if hidden_attribute {
            Shown::Hidden
        } else {
            Shown::Yes
        };
    };
    let declarations = match declarations(style) {
        Ok(declarations) => declarations,
        Err(()) => return Shown::Doubtful(format!("style=\"{}\"", short(style))),
    };
    let mut verdict = Shown::Yes;
    // The `hidden` attribute is `display: none` in the browser's own style sheet, which an
    // inline `display` overrides.
    if hidden_attribute {
        verdict = match declarations.value("display") {
            // `revert` goes back to the browser's own `display: none`.
            None | Some("none" | "revert" | "revert-layer") => Shown::Hidden,
            Some(value) if is_function(value) => Shown::Doubtful(format!("display: {value}")),
            Some(_) => Shown::Yes,
        };
    }
    for property in [
        "display",
        "content-visibility",
        "opacity",
        "visibility",
        "font-size",
        "font",
    ] {
        let Some(value) = declarations.value(property) else {
            continue;
        };
        let judged = judge(property, value);
        // The strongest word wins: hidden whatever is inside, then hidden unless set inside,
        // then doubtful.
        let rank = |s: &Shown| match s {
            Shown::Hidden => 3,
            Shown::HiddenUnlessSetInside(..) => 2,
            Shown::Doubtful(_) => 1,
            Shown::Yes => 0,
        };
        if rank(&judged) > rank(&verdict) {
            verdict = judged;
        }
    }
    verdict
}

/// The CSS-wide keywords: each takes a value from elsewhere, which the element's parent showed.
const GLOBAL: [&str; 5] = ["inherit", "initial", "unset", "revert", "revert-layer"];

/// What one declaration (`property: value`, the value lower-case, `!important` removed) says.
fn judge(property: &'static str, value: &str) -> Shown {
    let doubtful = || Shown::Doubtful(format!("{property}: {value}"));
    if GLOBAL.contains(&value) {
        return Shown::Yes;
    }
    if is_function(value) {
        return doubtful();
    }
    // A value a browser does not know is dropped, and an earlier declaration of the property
    // applies: one not known here is doubtful, never read as showing.
    match property {
        "display" if value == "none" => Shown::Hidden,
        "display"
            if value
                .split(CSS_SPACE)
                .all(|word| DISPLAY_WORDS.contains(&word)) =>
        {
            Shown::Yes
        }
        "display" => doubtful(),
        "content-visibility" => match value {
            "hidden" => Shown::Hidden,
            "visible" | "auto" => Shown::Yes,
            _ => doubtful(),
        },
        // The shorthand sets `font-size` too: a zero among its words may be it.
        "font" => {
            let zero = value
                .split(|c: char| CSS_SPACE.contains(&c) || c == '/')
                .any(|word| matches!(number(word), Some((0.0, _))));
            if zero {
                Shown::HiddenUnlessSetInside("font-size", format!("font: {value}"))
            } else {
                Shown::Yes
            }
        }
        "visibility" => match value {
            "hidden" | "collapse" => Shown::HiddenUnlessSetInside("visibility", value.to_owned()),
            "visible" => Shown::Yes,
            _ => doubtful(),
        },
        "opacity" => match number(value) {
            Some((n, unit)) if unit.is_empty() || unit == "%" => {
                let n = if unit == "%" { n / 100.0 } else { n };
                if n <= 0.0 {
                    Shown::Hidden
                } else if n < FAINT {
                    // Shown, but too faint for a reader to see: not certain either way.
                    doubtful()
                } else {
                    Shown::Yes
                }
            }
            _ => doubtful(),
        },
        "font-size" => match number(value) {
            Some((0.0, unit)) if unit.is_empty() || LENGTH_UNITS.contains(&unit) => {
                Shown::HiddenUnlessSetInside("font-size", value.to_owned())
            }
            Some((n, unit)) if n > 0.0 && LENGTH_UNITS.contains(&unit) => Shown::Yes,
            Some(_) => doubtful(),
            None if FONT_SIZE_WORDS.contains(&value) => Shown::Yes,
            None => doubtful(),
        },
        _ => Shown::Yes,
    }
}

/// White space to CSS (not a no-break space, not any other Unicode space).
const CSS_SPACE: [char; 5] = [' ', '\t', '\n', '\r', '\u{c}'];

/// The words of a `display` value that shows its element.
const DISPLAY_WORDS: [&str; 25] = [
    "block",
    "inline",
    "inline-block",
    "flex",
    "inline-flex",
    "grid",
    "inline-grid",
    "flow-root",
    "flow",
    "list-item",
    "contents",
    "table",
    "inline-table",
    "table-row",
    "table-cell",
    "table-row-group",
    "table-header-group",
    "table-footer-group",
    "table-column",
    "table-column-group",
    "table-caption",
    "ruby",
    "ruby-text",
    "run-in",
    "math",
];

/// The units of a CSS length, and `%`.
const LENGTH_UNITS: [&str; 31] = [
    "px", "em", "rem", "ex", "rex", "ch", "rch", "cap", "rcap", "ic", "ric", "lh", "rlh", "vw",
    "vh", "vi", "vb", "vmin", "vmax", "svh", "lvh", "dvh", "cm", "mm", "q", "in", "pt", "pc",
    "cqw", "cqh", "%",
];

/// The keywords of `font-size`.
const FONT_SIZE_WORDS: [&str; 11] = [
    "xx-small",
    "x-small",
    "small",
    "medium",
    "large",
    "x-large",
    "xx-large",
    "xxx-large",
    "larger",
    "smaller",
    "math",
];

/// An opacity under which text is too faint to be sure a reader sees it.
const FAINT: f64 = 0.1;

/// Whether a value is computed (`var(--x)`, `calc(0px)`, `clamp(...)`): not judged here.
fn is_function(value: &str) -> bool {
    value.contains('(')
}

/// A CSS number at the start of `value` and the unit after it (`0.5em` is (0.5, "em"), `0` is
/// (0, "")); `None` when `value` is not a number followed by letters or `%` only.
fn number(value: &str) -> Option<(f64, &str)> {
    let bytes = value.as_bytes();
    let mut end = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits_start = end;
    while bytes.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    // A point only with a digit after it: `0.` is no CSS number.
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    if !value[digits_start..end].bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // An exponent (`1e-3`), not the unit `em` or `ex`.
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        if bytes.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
            end += 1 + sign;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
    }
    let unit = &value[end..];
    if !unit.bytes().all(|b| b.is_ascii_alphabetic() || b == b'%') {
        return None;
    }
    value[..end].parse().ok().map(|n| (n, unit))
}

/// The declarations of an inline style, in order: (property, value, important), lower-case.
struct Declarations(Vec<(String, String, bool)>);

impl Declarations {
    /// The value that applies to `property`: the last `!important` one, else the last one.
    fn value(&self, property: &str) -> Option<&str> {
        let mut found: Option<(&str, bool)> = None;
        for (name, value, important) in &self.0 {
            if name == property && (*important || !found.is_some_and(|(_, i)| i)) {
                found = Some((value, *important));
            }
        }
        found.map(|(value, _)| value)
    }
}

/// The declarations of `style` (an attribute's value): comments dropped, `;` inside strings and
/// brackets kept. `Err` when it cannot be read as a browser reads it: a CSS escape outside a
/// string (`opacit\79`), which can spell a property or a value.
fn declarations(style: &str) -> Result<Declarations, ()> {
    // Each piece, and whether CSS drops it (a string a line end broke, a `url(` with a quote).
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut piece = String::new();
    let mut dropped = false;
    let mut chars = style.chars().peekable();
    // The brackets open, by the one that closes each: a bracket of another kind closes none.
    let mut open: Vec<char> = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            // A comment separates what is on either side: `dis/**/play` is no `display`.
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                piece.push(' ');
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '\'' => {
                piece.push(c);
                while let Some(inner) = chars.next() {
                    if matches!(inner, '\n' | '\r' | '\u{c}') {
                        // A line end breaks the string: its declaration is dropped, and what
                        // follows the line end is read again as declarations.
                        dropped = true;
                        piece.push(' ');
                        break;
                    }
                    piece.push(inner);
                    if inner == '\\' {
                        if let Some(escaped) = chars.next() {
                            piece.push(escaped);
                        }
                    } else if inner == c {
                        break;
                    }
                }
            }
            '\\' => return Err(()),
            // An unquoted `url(...)` runs to its `)`, whatever is in it; a quote in it (or a
            // bracket) makes it a bad URL, whose declaration is dropped.
            '(' if piece.to_ascii_lowercase().ends_with("url")
                && !matches!(
                    chars.clone().find(|c| !CSS_SPACE.contains(c)),
                    Some('"' | '\'')
                ) =>
            {
                piece.push('(');
                for inner in chars.by_ref() {
                    piece.push(inner);
                    if inner == ')' {
                        break;
                    }
                    if matches!(inner, '"' | '\'' | '(') {
                        dropped = true;
                    }
                }
            }
            '(' | '[' | '{' => {
                open.push(match c {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                });
                piece.push(c);
            }
            ')' | ']' | '}' => {
                if open.last() == Some(&c) {
                    open.pop();
                }
                piece.push(c);
            }
            ';' if open.is_empty() => {
                pieces.push((std::mem::take(&mut piece), dropped));
                dropped = false;
            }
            c => piece.push(c),
        }
    }
    pieces.push((piece, dropped));
    let trim = |text: &str| text.trim_matches(CSS_SPACE).to_owned();
    let mut declarations = Vec::new();
    for (piece, dropped) in pieces {
        let Some((name, value)) = piece.split_once(':') else {
            continue;
        };
        if dropped {
            continue;
        }
        let name = trim(name).to_ascii_lowercase();
        let mut value = trim(value).to_ascii_lowercase();
        let mut important = false;
        if let Some((before, after)) = value.rsplit_once('!')
            && trim(after) == "important"
        {
            important = true;
            value = trim(before);
        }
        declarations.push((name, value, important));
    }
    Ok(Declarations(declarations))
}

/// Whether `element`, inside one that hides its content by `property`, may set it again and show
/// what is inside it: its inline style names the property, the `all` shorthand, for `font-size`
/// the `font` shorthand, or cannot be read; for `font-size`, a `<font size>`; or, for a
/// `<style>` element, its stylesheet (`sheet`) names any of them or holds a CSS escape, which can
/// spell any (stylesheets are not read, so naming is enough).
pub(super) fn may_set_again(element: &Element, sheet: &str, property: &str) -> bool {
    let names = |name: &str| {
        name == property || name == "all" || (property == "font-size" && name == "font")
    };
    let by_style = element.attr("style").is_some_and(|style| {
        declarations(style).map_or(true, |declarations| {
            declarations.0.iter().any(|(name, _, _)| names(name))
        })
    });
    // Form controls take their font from the browser's own style sheet, not from around them;
    // SVG and MathML may set any of them by attributes of their own.
    let by_font = property == "font-size"
        && (element.name() == "font" && element.attr("size").is_some()
            || matches!(element.name(), "textarea" | "button" | "input" | "select"));
    let by_markup = matches!(element.name(), "svg" | "math");
    let sheet = sheet.to_ascii_lowercase();
    let all = sheet.match_indices("all").any(|(at, _)| {
        let word = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
        !at.checked_sub(1)
            .and_then(|b| sheet.as_bytes().get(b))
            .is_some_and(word)
            && sheet[at + 3..].trim_start().starts_with([':', '/'])
    });
    let by_sheet = sheet.contains(property)
        || (property == "font-size" && sheet.contains("font"))
        || all
        || sheet.contains('\\');
    by_style || by_font || by_markup || by_sheet
}

/// A style as it may be quoted in a message: one line, at most 80 characters.
fn short(style: &str) -> String {
    let one_line: String = style
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 80 {
        format!("{}...", one_line.chars().take(77).collect::<String>())
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Node};

    /// The first element of `markup`, read as a browser reads it.
    fn element(markup: &str) -> Element {
        let html = Html::parse_fragment(markup);
        html.tree
            .root()
            .descendants()
            .find_map(|node| match node.value() {
                Node::Element(e) if e.name() != "html" => Some(e.clone()),
                _ => None,
            })
            .expect("an element")
    }

    #[test]
    fn styles_that_hide_are_read_as_a_browser_reads_them() {
        for tag in [
            r#"<span style="display:none">"#,
            r#"<span style="DISPLAY : NONE !important">"#,
            r#"<span style="opacity:0">"#,
            r#"<span style="opacity: 0.0">"#,
            r#"<span style="opacity:.0 ! important">"#,
            r#"<span style="opacity:0%">"#,
            r#"<span style="opacity:-1">"#,
            r#"<span style="opacity:/* x */0">"#,
            r#"<span style="opacity&#58;0">"#,
            r#"<span style="opacity&colon;0">"#,
            r#"<span style='color: red; opacity: 0'>"#,
            r#"<span style=opacity:0>"#,
            r#"<span hidden>"#,
            r#"<span HIDDEN="">"#,
            r#"<dialog>"#,
            r#"<datalist id="x">"#,
            r#"<span hidden style="color: red">"#,
            r#"<span style="content-visibility: hidden">"#,
            r#"<span style="opacity:0 !important; opacity: 1">"#,
        ] {
            assert_eq!(shown(&element(tag)), Shown::Hidden, "{tag}");
        }
        for (tag, property, value) in [
            (
                r#"<span style="visibility:hidden">"#,
                "visibility",
                "hidden",
            ),
            (
                r#"<span style="visibility: hidden !important">"#,
                "visibility",
                "hidden",
            ),
            (
                r#"<span style="visibility:collapse">"#,
                "visibility",
                "collapse",
            ),
            (r#"<span style="font-size:0">"#, "font-size", "0"),
            (r#"<span style="font-size:0px">"#, "font-size", "0px"),
            (r#"<span style="font-size: 0.0em">"#, "font-size", "0.0em"),
            (r#"<span style="font-size:0%">"#, "font-size", "0%"),
        ] {
            assert_eq!(
                shown(&element(tag)),
                Shown::HiddenUnlessSetInside(property, value.to_owned()),
                "{tag}"
            );
        }
        for tag in [
            "<span>",
            r#"<span title="display:none; opacity:0">"#,
            r#"<span style="opacity: 1">"#,
            r#"<span style="opacity: 50%">"#,
            r#"<span style="visibility: visible">"#,
            r#"<span style="font-size: 12px; color: #333">"#,
            r#"<span style="font-size: 1.2em">"#,
            r#"<span style="font-size: small">"#,
            r#"<span style="font-family: 'a;display:none'">"#,
            r#"<span style="background: url(a;b) ; opacity : 1">"#,
            r#"<span style="opacity:0; opacity: 1 !important">"#,
            r#"<span style="opacity:1" style="opacity:0">"#,
            r#"<span hidden style="display: block">"#,
            r#"<span style="display: inherit">"#,
            r#"<span data-style="opacity:0">"#,
            r#"<span style="dis/**/play:none">"#,
            r#"<dialog open>"#,
            r#"<details open>"#,
            r#"<details>"#,
            r#"<span style="opa/**/city:0">"#,
        ] {
            assert_eq!(shown(&element(tag)), Shown::Yes, "{tag}");
        }
        for tag in [
            r#"<span style="opacity: var(--o)">"#,
            r#"<span style="font-size: calc(0px)">"#,
            r#"<span style="opacity: 0.01">"#,
            r#"<span style="opacit\79: 0">"#,
            r#"<span style="visibility: sideways">"#,
            r#"<span hidden style="display: var(--d)">"#,
        ] {
            assert!(
                matches!(shown(&element(tag)), Shown::Doubtful(_)),
                "{tag}: {:?}",
                shown(&element(tag))
            );
        }
    }

    #[test]
    fn a_property_set_again_inside_is_found_however_written() {
        for (inside, property) in [
            (r#"<b style="visibility:visible">"#, "visibility"),
            (r#"<b style="&#118;isibility:visible">"#, "visibility"),
            (r#"<b style="visibilit\79:visible">"#, "visibility"),
            (r#"<b style="visibility&colon;visible">"#, "visibility"),
            (r#"<b style="all : initial">"#, "visibility"),
            (r#"<b style="font:14px Arial">"#, "font-size"),
            (r#"<font size="7">"#, "font-size"),
        ] {
            assert!(may_set_again(&element(inside), "", property), "{inside}");
        }
        for (inside, property) in [
            ("<b>Call all eight: 1.2.3.4</b>", "visibility"),
            (r#"<b style="color:red">"#, "font-size"),
        ] {
            assert!(!may_set_again(&element(inside), "", property), "{inside}");
        }
    }

    #[test]
    fn numbers_as_css_writes_them() {
        assert_eq!(number("0"), Some((0.0, "")));
        assert_eq!(number("0.5em"), Some((0.5, "em")));
        assert_eq!(number(".5ex"), Some((0.5, "ex")));
        assert_eq!(number("1e-3"), Some((0.001, "")));
        assert_eq!(number("-0px"), Some((0.0, "px")));
        assert_eq!(number("12%"), Some((12.0, "%")));
        assert_eq!(number("small"), None);
        assert_eq!(number("nan"), None);
        assert_eq!(number("1 2"), None);
        assert_eq!(number("."), None);
    }
}
