//! Smile ID's published callback sources, read from a copy of the Security Overview page (HTML or
//! text): the IPv4 addresses listed for each environment, and how they differ from a list in
//! use. Fetching the page is the command's (`allowlist fetch`), through `http`.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ip::allowlist::{Allowlist, IpNet};
use crate::keys::keyfile::Environment;

mod html;
mod page;
mod past;
mod style;
mod text_copy;

use page::{END_OF_LIST, END_OF_ROW, END_OF_SECTION, Heading, PageText, page_text};
use past::{PAST_REACH, PastWords, heading_title, leading_word, row_around, speaks_of_the_past};

/// Where Smile ID publishes its callback addresses.
pub const SECURITY_OVERVIEW_URL: &str =
    "https://docs.usesmileid.com/further-reading/security-overview";

/// How far (in characters of the page's text) the first address may follow the name of its
/// environment, and each next one the address before it: a table row or a list, not the rest of
/// the page.
const NEAR: usize = 400;
const NEXT: usize = 60;

/// The addresses a page lists for each environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Published {
    pub production: BTreeSet<IpAddr>,
    pub sandbox: BTreeSet<IpAddr>,
}

/// Why a page gives no list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// Neither environment has an address.
    Nothing,
    /// One environment has addresses and the other none: never a half list.
    Half(Environment),
    /// An environment's list holds something written almost like an address (a leading zero,
    /// a short form, a part over 255): dropping it would give a list short of a real source,
    /// guessing it would give one that admits another.
    Ambiguous(Environment, String),
    /// An environment is named after an address in the same row or line (`34.240.137.52
    /// (Production)`, a table whose address column comes first, a note in a later column): the
    /// reading that gives each address the name before it would give this one another's.
    NameAfterAddress(String),
    /// An environment's list holds an address no callback can come from (loopback,
    /// unspecified, a netmask): the page is not a list of sources as written, so none is taken.
    NoSource(Environment, String, NoSourceKind),
    /// An address or an environment's name stands in an element styled so that whether a
    /// browser shows it is not certain (`opacity: var(--o)`, a faint opacity, an escape): the
    /// address and the declaration.
    DoubtfulStyle(String, String),
    /// The page opens more elements at once than a page is read with
    /// (`html::MAX_OPEN_ELEMENTS`): nesting that deep is no list a reader sees.
    TooDeep,
    /// The page's markup holds more nodes than a page is read with (`html::MAX_NODES`).
    TooLarge,
    /// An address stands in a row, list, section or table that speaks of the past (`no longer`,
    /// `retired`, `until`): it may be one callbacks came from once. The address and the word.
    PastTense(String, &'static str),
    /// The page's markup took longer than this to read.
    TooSlow(std::time::Duration),
    /// The page declares an encoding in which its bytes may read otherwise than as UTF-8.
    Encoding(String),
    /// Both environments are named in the row or line before an address (`Production and
    /// Sandbox callbacks may also come from ...`): it belongs to either, or to both.
    BothNamed(String),
    /// A tab's label (its text) speaks of the past, with this word: its panel may list addresses
    /// callbacks no longer come from.
    PastTab(String, &'static str),
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotFound::Nothing => {
                f.write_str("no callback address of either environment was found in the page")
            }
            NotFound::Half(missing) => {
                let found = match missing {
                    Environment::Production => Environment::Sandbox,
                    Environment::Sandbox => Environment::Production,
                };
                // Said as what was found, not as what the page holds: a layout this reader does
                // not follow (a column per environment) puts every address under one name.
                write!(
                    f,
                    "no {missing} callback address was found in the page, only {found} ones (an address is taken for the environment named last before it); a half list is not taken"
                )
            }
            NotFound::TooDeep => write!(
                f,
                "the page nests more than {} elements one in another (or leaves them open), deeper than any browser builds a page; no list is taken from it",
                html::MAX_OPEN_ELEMENTS
            ),
            NotFound::PastTense(address, word) => write!(
                f,
                "the page writes `{address}` in a row, list, section or table that says `{word}`, so it may be an address callbacks no longer come from; no list is taken from it"
            ),
            NotFound::TooSlow(within) => write!(
                f,
                "the page's markup took more than {} s to read (an element with a great many attributes, say), far more than a real page takes; no list is taken from it",
                within.as_secs()
            ),
            NotFound::Encoding(label) => write!(
                f,
                "the page declares its encoding as `{}`, in which its bytes may read otherwise than as UTF-8, which is how it is read; no list is taken from it",
                label.escape_debug()
            ),
            NotFound::TooLarge => write!(
                f,
                "the page's markup holds more than {} elements and texts, far more than Smile ID's page; no list is taken from it",
                html::MAX_NODES
            ),
            NotFound::PastTab(label, word) => write!(
                f,
                "the page has a tab labelled `{}`, which says `{word}`: the panel it shows may list addresses callbacks no longer come from, and which panel is the tab's is not followed here; no list is taken from it",
                label.chars().take(80).collect::<String>().escape_debug()
            ),
            NotFound::BothNamed(address) => write!(
                f,
                "the page names both environments in the row or line of `{address}`, so which one it belongs to is not certain; no list is taken from it"
            ),
            NotFound::NameAfterAddress(address) => write!(
                f,
                "the page names an environment after `{address}` in the same row or line, so which environment each address belongs to is not certain; no list is taken from it"
            ),
            NotFound::NoSource(env, token, kind) => write!(
                f,
                "the page lists `{token}` among the {env} addresses, which is {}; no list is taken from it",
                kind.why()
            ),
            NotFound::DoubtfulStyle(token, declaration) if declaration.starts_with('<') => write!(
                f,
                "the page writes `{token}` in {declaration}, which shows by rules this reading does not follow, so whether and where a reader sees it is not certain; no list is taken from it"
            ),
            NotFound::DoubtfulStyle(token, declaration) => write!(
                f,
                "the page writes `{token}` inside an element styled `{declaration}`, so whether a reader sees it is not certain; no list is taken from it"
            ),
            NotFound::Ambiguous(env, token) => write!(
                f,
                "the page lists `{token}` among the {env} addresses, which is not one plain dotted address (a leading zero, a short form, hex or a part over 255 is read differently by different parsers; a network or a range is more than one address); no list is taken from it"
            ),
        }
    }
}

impl std::error::Error for NotFound {}

impl Published {
    /// Reads the addresses out of a page. Each IPv4 address in dotted decimal is given to the
    /// environment named last before it (`Production`/`Live`, `Sandbox`/`Test`), when that name
    /// is near and no table, list or heading ended between them; addresses far from any name
    /// are not taken.
    pub fn from_page(page: &str) -> Result<Published, NotFound> {
        let shown = page_text(page)?;
        let lower = shown.text.to_ascii_lowercase();
        let surroundings = Surroundings::new(&shown, &lower);
        let found = Reader::new(surroundings, &shown.headings).read()?;
        match (found.production.is_empty(), found.sandbox.is_empty()) {
            (true, true) => Err(NotFound::Nothing),
            (true, false) => Err(NotFound::Half(Environment::Production)),
            (false, true) => Err(NotFound::Half(Environment::Sandbox)),
            (false, false) => Ok(found),
        }
    }

    /// Every address with its environment, production first.
    pub fn entries(&self) -> impl Iterator<Item = (IpAddr, Environment)> + '_ {
        self.production
            .iter()
            .map(|ip| (*ip, Environment::Production))
            .chain(self.sandbox.iter().map(|ip| (*ip, Environment::Sandbox)))
    }

    /// The list as an `--allowlist` file, stamped with where and when it was read.
    pub fn to_allowlist_file(&self, source: &str, read_at: &str) -> String {
        let mut text = format!(
            "{SAVED_HEADING}\n{SAVED_SOURCE}{}\n{SAVED_READ}{read_at}\n",
            source.replace(['\n', '\r'], " ")
        );
        for (ip, env) in self.entries() {
            text.push_str(&format!("{:<20} {env}\n", IpNet::from(ip).to_string()));
        }
        text
    }

    /// What this list adds to and removes from `in_use`, as (network, environment label) pairs.
    pub fn compare(&self, in_use: &Allowlist) -> (Vec<String>, Vec<String>) {
        let theirs: BTreeSet<(String, String)> = self
            .entries()
            .map(|(ip, env)| (IpNet::from(ip).to_string(), env.as_str().to_owned()))
            .collect();
        let ours: BTreeSet<(String, String)> = in_use
            .entries()
            .iter()
            .map(|e| {
                (
                    e.net.to_string(),
                    e.label.as_deref().unwrap_or("").to_ascii_lowercase(),
                )
            })
            .collect();
        let show = |(net, label): &(String, String)| {
            if label.is_empty() {
                net.clone()
            } else {
                format!("{net} ({label})")
            }
        };
        (
            theirs.difference(&ours).map(show).collect(),
            ours.difference(&theirs).map(show).collect(),
        )
    }
}

/// What a page says of the stretches of its text an address or a name may stand in (tabs,
/// tables and styles), worked out once before the reading.
struct Surroundings<'a> {
    /// The page's text as shown, for the declarations and labels quoted in a refusal.
    text: &'a str,
    /// The same text in lower case, which the reading goes through.
    lower: &'a str,
    /// Where the words of the past stand in `lower`.
    past: PastWords,
    /// After a tab whose label speaks of the past: the label as shown, and its word.
    past_tabs: Stretches<(String, &'static str)>,
    /// In an element whose style leaves it uncertain whether a browser shows it: the declaration.
    doubts: Stretches<&'a str>,
    /// In a table that speaks of the past anywhere but in its caption and footer (a `Previous
    /// addresses` column, a title row): the word.
    past_tables: Stretches<&'static str>,
    /// Where the tables are, merged.
    in_tables: Vec<std::ops::Range<usize>>,
}

impl<'a> Surroundings<'a> {
    /// The surroundings in `shown`, whose text in lower case is `lower`.
    fn new(shown: &'a PageText, lower: &'a str) -> Surroundings<'a> {
        let past = PastWords::find(lower);
        let past_tabs = past_tabs(&shown.text, &past, &shown.headings, &shown.tab_labels);
        let doubts = Stretches::new(
            shown
                .doubts
                .iter()
                .map(|d| (d.range.clone(), d.declaration.as_str()))
                .collect(),
        );
        let past_tables = Stretches::new(
            shown
                .tables
                .iter()
                .filter_map(|table| Some((table.text.clone(), past.in_table(table)?)))
                .collect(),
        );
        let in_tables = merged_ranges(shown.tables.iter().map(|table| table.text.clone()));
        Surroundings {
            text: &shown.text,
            lower,
            past,
            past_tabs,
            doubts,
            past_tables,
            in_tables,
        }
    }

    /// The refusal for an address or a name that matters at `start..end`, when it stands in an
    /// element whose style leaves it uncertain whether a browser shows it.
    fn doubtful(&self, start: usize, end: usize) -> Option<NotFound> {
        self.doubts.holding(start, end).map(|declaration| {
            NotFound::DoubtfulStyle(self.text[start..end].to_owned(), (*declaration).to_owned())
        })
    }

    /// Why the address `token` at `start..end` is no current source, if the page speaks of it
    /// as past: after a tab of the past, in its row, under the heading above it (`heading`), in
    /// its table, or in a section or list spoken of so (`around`).
    fn spoken_of_as_past(
        &self,
        start: usize,
        end: usize,
        token: &str,
        heading: &std::ops::Range<usize>,
        around: Option<&'static str>,
    ) -> Option<NotFound> {
        if let Some((label, word)) = self.past_tabs.holding(start, end) {
            return Some(NotFound::PastTab(label.clone(), word));
        }
        let word = speaks_of_the_past(self.lower, &self.past, start, end, heading)
            .or(around)
            .or_else(|| self.past_tables.holding(start, end).copied())?;
        Some(NotFound::PastTense(token.to_owned(), word))
    }
}

/// The stretches after each tab whose label speaks of the past (`Previous`, `Before March`),
/// with the label as shown and its word. Such a tab shows a panel of addresses callbacks may no
/// longer come from; which panel is the tab's is not followed here, so every address after the
/// label in its section refuses the page: up to the next heading of the same or a higher level
/// than the one above it (an `<h1>` with none).
fn past_tabs(
    text: &str,
    past: &PastWords,
    headings: &[Heading],
    tab_labels: &[std::ops::Range<usize>],
) -> Stretches<(String, &'static str)> {
    let past_tabs: Vec<_> = tab_labels
        .iter()
        .filter_map(|label| {
            let word = past.reaching(label.start..label.end.min(label.start + PAST_REACH))?;
            let shown = text[label.clone()]
                .split(|c: char| c.is_whitespace() || c.is_control())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>();
            let above = headings.partition_point(|h| h.at < label.start);
            let level = above.checked_sub(1).map_or(1, |h| headings[h].level);
            let end = headings[above..]
                .iter()
                .find(|h| h.level <= level)
                .map_or(text.len(), |h| h.at);
            Some((label.start..end, (shown.join(" "), word)))
        })
        .collect();
    Stretches::new(past_tabs)
}

/// One reading of a page's text from start to end, a byte at a time: where it stands (the row,
/// section and lead-in under way, the environment named last) and the addresses taken so far.
struct Reader<'a> {
    /// What the page says of the stretches the reading passes through.
    page: Surroundings<'a>,
    /// The headings' levels, in the order they stand, looked up as their marks are reached.
    levels: std::iter::Peekable<std::slice::Iter<'a, Heading>>,
    /// The heading that speaks of the past (`Previous addresses`) whose section the reading is
    /// in, and its level: its sub-headings (`Production`) are inside it.
    past_section: Option<(u8, &'static str)>,
    /// The run of IPv6 characters the last token was looked for in (see `ipv6_at`).
    run: Option<Run>,
    /// The title of the last heading: its words speak for the addresses under it.
    heading: std::ops::Range<usize>,
    /// Where the row under way starts.
    row_start: usize,
    /// A row that leads into a list and speaks of the past (`Previous addresses (in use before
    /// 1 March):`), which speaks for the list after it (see `LeadIn`).
    lead_in: Option<LeadIn>,
    /// Whether the row under way holds an address, taken or not.
    address_in_row: bool,
    /// The addresses taken so far.
    found: Published,
    /// The environment named last (see `Named`).
    current: Option<Named>,
    /// Where the last address taken in the row or line under way starts.
    taken_in_row: Option<usize>,
    /// The environments named in the row or line under way.
    named_in_row: [bool; 2],
}

impl<'a> Reader<'a> {
    /// A reading about to start at the beginning of the text, before any heading in `headings`.
    fn new(page: Surroundings<'a>, headings: &'a [Heading]) -> Reader<'a> {
        Reader {
            page,
            levels: headings.iter().peekable(),
            past_section: None,
            run: None,
            heading: 0..0,
            row_start: 0,
            lead_in: None,
            address_in_row: false,
            found: Published::default(),
            current: None,
            taken_in_row: None,
            named_in_row: [false; 2],
        }
    }

    /// Reads the text to its end: the addresses taken for each environment, or why none are.
    fn read(mut self) -> Result<Published, NotFound> {
        let mut i = 0;
        while i < self.page.lower.len() {
            i = self.step(i)?;
        }
        Ok(self.found)
    }

    /// Reads what starts at byte `i` (a mark, a name, an address or nothing) and gives where
    /// the reading goes on.
    fn step(&mut self, i: usize) -> Result<usize, NotFound> {
        let bytes = self.page.lower.as_bytes();
        if bytes[i] == END_OF_ROW as u8 {
            self.end_row(i);
            return Ok(i + 1);
        }
        if bytes[i] == END_OF_SECTION as u8 {
            self.end_section(i);
            return Ok(i + 1);
        }
        if bytes[i] == END_OF_LIST as u8 {
            self.end_list(i);
            return Ok(i + 1);
        }
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !word_start {
            return Ok(i + 1);
        }
        self.read_names(i)?;
        if let Some(end) = self.read_ipv6(i)? {
            return Ok(end);
        }
        if bytes[i].is_ascii_digit() {
            return self.read_ipv4(i);
        }
        Ok(i + 1)
    }

    /// At the end of a row (at `i`): whether a lead-in goes on past it or one starts with it,
    /// and a new row.
    fn end_row(&mut self, i: usize) {
        let lower = self.page.lower;
        let row =
            lower[self.row_start..i].trim_matches(|c: char| c.is_whitespace() || c.is_control());
        // A row of something else (neither a name nor an address) between a lead-in and the
        // list ends what the lead-in speaks for: it spoke of that, not of the list. (A table's
        // header row leads on into its rows.)
        if row.contains(|c: char| c.is_alphanumeric())
            && self.named_in_row == [false; 2]
            && !self.address_in_row
            && !overlaps(&self.page.in_tables, self.row_start, i)
        {
            self.lead_in = None;
        }
        // A row ending with `:`, or a few words standing as a title (`**Retired addresses**`).
        let leads = row.ends_with(':') || row.split_whitespace().count() <= TITLE_WORDS;
        if leads && let Some(word) = leading_word(lower, &self.page.past, self.row_start..i) {
            self.lead_in = Some(LeadIn {
                word,
                listed: false,
                blocks: 0,
            });
        }
        self.taken_in_row = None;
        self.named_in_row = [false; 2];
        self.address_in_row = false;
        self.row_start = i + 1;
    }

    /// At a heading's mark (at `i`): the name and the lead-in end, and the heading's title and
    /// level decide what the section after it says of the past.
    fn end_section(&mut self, i: usize) {
        let lower = self.page.lower;
        // A heading starts something else; a name in it comes after this.
        self.current = None;
        self.lead_in = None;
        self.row_start = i + 1;
        self.heading = heading_title(lower, i + 1);
        while self.levels.next_if(|h| h.at < i).is_some() {}
        // A heading with no words (an anchor's) ends no section.
        if let Some(titled) = self.levels.next_if(|h| h.at == i)
            && lower[titled.title.clone()].contains(|c: char| c.is_alphanumeric())
        {
            self.heading = titled.title.clone();
            let word = self.page.past.reaching(self.heading.clone());
            self.past_section = match (self.past_section, word) {
                // Inside a section of the past, a sub-heading's word adds nothing.
                (Some((outer, _)), _) if outer < titled.level => self.past_section,
                (_, Some(word)) => Some((titled.level, word)),
                // A heading of the same or a higher level ends the section.
                (_, None) => None,
            };
        }
    }

    /// At the end of a block (at `i`): a list under way ends here.
    fn end_list(&mut self, i: usize) {
        // A name alone may stand in a block of its own with its addresses in the next one, but
        // not further: past a second block end it was a word in a sentence.
        self.current = match self.current {
            Some(named) if named.near == NEAR && named.blocks == 0 => {
                Some(Named { blocks: 1, ..named })
            }
            _ => None,
        };
        // The lead-in may stand a block before its list, which ends here once begun.
        self.lead_in = self
            .lead_in
            .filter(|l| !l.listed && l.blocks == 0)
            .map(|l| LeadIn { blocks: 1, ..l });
        self.row_start = i + 1;
    }

    /// Reads the name of an environment that starts the word at `i`, if one does.
    fn read_names(&mut self, i: usize) -> Result<(), NotFound> {
        let bytes = self.page.lower.as_bytes();
        for (word, env) in [
            ("production", Environment::Production),
            ("live", Environment::Production),
            ("sandbox", Environment::Sandbox),
            ("test", Environment::Sandbox),
        ] {
            let end = i + word.len();
            // Bytes, not text: `i` may fall inside a character (a dash, a quote mark).
            if bytes[i..].starts_with(word.as_bytes())
                && bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric())
                && names_environment(self.page.lower, i, end)
            {
                self.take_name(env, i, end)?;
            }
        }
        Ok(())
    }

    /// Makes `env`, named at `start..end`, the environment the addresses after it are given to;
    /// refused when it stands after an address taken in its row.
    fn take_name(&mut self, env: Environment, start: usize, end: usize) -> Result<(), NotFound> {
        let lower = self.page.lower;
        if let Some(refused) = self.page.doubtful(start, end) {
            return Err(refused);
        }
        self.named_in_row[env as usize] = true;
        if let Some(at) = self.taken_in_row {
            let address = lower[at..]
                .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
                .next()
                .unwrap_or_default();
            return Err(NotFound::NameAfterAddress(address.to_owned()));
        }
        // A name in a row that speaks of the past (`Previous production addresses:`) speaks
        // for the list it heads.
        let (from, to) = row_around(lower, start, end);
        self.current = Some(Named {
            env,
            at: end,
            near: NEAR,
            blocks: 0,
            past: leading_word(lower, &self.page.past, from..to),
            both: self.named_in_row == [true; 2],
        });
        Ok(())
    }

    /// Reads the IPv6 address (`2600:1f18::1`) that starts the word at `i`, if one does, and
    /// gives where it ends. It is taken as an IPv4 one is, never passed over, and read as one
    /// token, never from its middle (`2001:db8::1::2` is not `1::2`).
    fn read_ipv6(&mut self, i: usize) -> Result<Option<usize>, NotFound> {
        let Some((parsed, end)) = ipv6_at(self.page.lower, i, &mut self.run) else {
            return Ok(None);
        };
        let around = said_around(self.past_section, self.lead_in, self.current);
        self.note_address();
        if let Some(named @ Named { at, near, .. }) = self.current
            && i - at <= near
        {
            self.take_ipv6(named, i, end, parsed, around)?;
        }
        Ok(Some(end))
    }

    /// Takes the IPv6 token at `start..end` (`parsed` when it is one whole address) for the
    /// environment `named`, or refuses the page for how it is written or where it stands.
    fn take_ipv6(
        &mut self,
        named: Named,
        start: usize,
        end: usize,
        parsed: Option<Ipv6Addr>,
        around: Option<&'static str>,
    ) -> Result<(), NotFound> {
        let lower = self.page.lower;
        let env = named.env;
        let token = || lower[start..end].to_owned();
        if named.names_both(self.named_in_row) {
            return Err(NotFound::BothNamed(token()));
        }
        let Some(ip) = parsed else {
            return Err(NotFound::Ambiguous(env, token()));
        };
        if let Some(written) = ipv6_written_as_more(lower, start, end, ip) {
            return Err(NotFound::Ambiguous(env, written));
        }
        if let Some(refused) = self.page.doubtful(start, end) {
            return Err(refused);
        }
        // An IPv4-mapped address is its IPv4 address, as in an `--allowlist` file.
        let ip = IpAddr::V6(ip).to_canonical();
        if let Some(kind) = no_source(ip) {
            return Err(NotFound::NoSource(env, token(), kind));
        }
        self.take(env, ip, start, end, &token(), around)
    }

    /// Reads the token of digits and dots (or a `0x` spelling) that starts the word at `i`,
    /// taking it when it is an address near a name, and gives where the reading goes on.
    fn read_ipv4(&mut self, i: usize) -> Result<usize, NotFound> {
        let lower = self.page.lower;
        let bytes = lower.as_bytes();
        let Dotted {
            end,
            token,
            whole,
            stars,
            wildcard,
        } = Dotted::at(lower, i);
        let around = said_around(self.past_section, self.lead_in, self.current);
        let address = strict_ipv4(token);
        if address.is_some() {
            self.note_address();
        }
        if let Some(named @ Named { env, at, near, .. }) = self.current
            && (whole || wildcard || address.is_some())
            && i - at <= near
        {
            match address {
                // An address with letters run on (`52.36.32.43x`, `52.36.32.43_2`).
                Some(_) if !whole => {
                    return Err(NotFound::Ambiguous(env, token.to_owned()));
                }
                Some(_) if named.names_both(self.named_in_row) => {
                    return Err(NotFound::BothNamed(token.to_owned()));
                }
                Some(ip) => self.take_ipv4(env, ip, i, end, token, around)?,
                None if wildcard => {
                    return Err(NotFound::Ambiguous(env, lower[i..end + stars].to_owned()));
                }
                None if almost_an_address(token, near == NEXT) && stands_alone(bytes, i, end) => {
                    return Err(NotFound::Ambiguous(env, token.to_owned()));
                }
                None => {}
            }
        }
        Ok(end.max(i + 1))
    }

    /// Takes the IPv4 address `ip`, written `token` at `start..end`, for `env`, or refuses the
    /// page for what follows it or where it stands.
    fn take_ipv4(
        &mut self,
        env: Environment,
        ip: Ipv4Addr,
        start: usize,
        end: usize,
        token: &str,
        around: Option<&'static str>,
    ) -> Result<(), NotFound> {
        let lower = self.page.lower;
        // A network or a range where an address stands (`52.36.32.0/24`, `52.36.32.43-45`): the
        // address alone would be less than the page says.
        if !host_prefix(lower, end, "32")
            && let Some(wider) = network_or_range(lower, end)
        {
            return Err(NotFound::Ambiguous(env, lower[start..wider].to_owned()));
        }
        // A netmask (`255.255.255.0`), an unspecified or a loopback address is no source of
        // callbacks.
        if let Some(kind) = no_source(IpAddr::V4(ip)) {
            return Err(NotFound::NoSource(env, token.to_owned(), kind));
        }
        if let Some(refused) = self.page.doubtful(start, start + token.len()) {
            return Err(refused);
        }
        self.take(env, IpAddr::V4(ip), start, end, token, around)
    }

    /// Takes `ip`, written `token` at `start..end`, for `env` unless the page speaks of it as
    /// past (`around`: what the section, lead-in or name says); the list goes on from its end.
    fn take(
        &mut self,
        env: Environment,
        ip: IpAddr,
        start: usize,
        end: usize,
        token: &str,
        around: Option<&'static str>,
    ) -> Result<(), NotFound> {
        if let Some(refused) = self
            .page
            .spoken_of_as_past(start, end, token, &self.heading, around)
        {
            return Err(refused);
        }
        match env {
            Environment::Production => self.found.production.insert(ip),
            Environment::Sandbox => self.found.sandbox.insert(ip),
        };
        self.taken_in_row = Some(start);
        // The list goes on from here: the next address is near this one.
        self.current = self.current.map(|named| named.next_after(end));
        Ok(())
    }

    /// Notes an address in the row under way, taken or not: a lead-in's list has begun.
    fn note_address(&mut self) {
        self.address_in_row = true;
        if let Some(l) = &mut self.lead_in {
            l.listed = true;
        }
    }
}

/// What the IPv6 address `ip`, written at `start..end` of `text` (lower-case), is written as when
/// that is more or other than the one address: a network or a range, a dotted tail, a zone.
fn ipv6_written_as_more(text: &str, start: usize, end: usize, ip: Ipv6Addr) -> Option<String> {
    let bytes = text.as_bytes();
    if !host_prefix(text, end, "128")
        && let Some(wider) = network_or_range(text, end)
    {
        // Named whole: a range's other end is an IPv6 address too.
        let whole = wider
            + text[wider..]
                .bytes()
                .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
                .count();
        return Some(text[start..whole].to_owned());
    }
    // A dotted tail other than a mapped address's (`::52.36.32.43`) reads as an IPv4
    // address to some and as another IPv6 address to others; a zone (`%eth0`) makes it an
    // address on one link only.
    if text[start..end].contains('.') && ip.to_ipv4_mapped().is_none() {
        return Some(text[start..end].to_owned());
    }
    if bytes.get(end) == Some(&b'%') {
        let zone = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            .count();
        return Some(text[start..end + 1 + zone].to_owned());
    }
    None
}

/// A token of digits and dots (or a `0x` spelling) at the start of a word, as the page writes
/// it: what an IPv4 address is looked for in.
struct Dotted<'t> {
    /// Where the run of its characters ends, trailing dots included.
    end: usize,
    /// The run without its trailing dots.
    token: &'t str,
    /// No letter, digit or `_` is glued on after it.
    whole: bool,
    /// How many `*` and `x` follow it.
    stars: usize,
    /// It is a network written with a wildcard: `52.36.32.*` or `52.36.32.x`, three parts and a
    /// wildcard part (`*`, `x`, `xx`, `xxx`); not `Node 18.x`.
    wildcard: bool,
}

impl<'t> Dotted<'t> {
    /// The token that starts at `start` of `text` (lower-case), a digit.
    fn at(text: &'t str, start: usize) -> Dotted<'t> {
        let bytes = text.as_bytes();
        // A hex spelling (`0x34.36.32.43`) runs on through its letters.
        let hex = bytes[start..].starts_with(b"0x");
        let end = start
            + bytes[start..]
                .iter()
                .position(|b| {
                    !(b.is_ascii_digit()
                        || *b == b'.'
                        || (hex && b.is_ascii_hexdigit())
                        || (hex && *b == b'x'))
                })
                .unwrap_or(bytes.len() - start);
        let token = text[start..end].trim_end_matches('.');
        let glued = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let whole = bytes.get(end).is_none_or(|b| !glued(b));
        let stars = bytes[end..]
            .iter()
            .take_while(|b| matches!(b, b'*' | b'x'))
            .count();
        let wildcard = text[start..end].ends_with('.')
            && text[start..end].matches('.').count() == 3
            && (1..=3).contains(&stars)
            && bytes
                .get(end + stars)
                .is_none_or(|b| !b.is_ascii_alphanumeric());
        Dotted {
            end,
            token,
            whole,
            stars,
            wildcard,
        }
    }
}

/// The first lines of a list `allowlist fetch` saved: what it is, then where and when it was read.
const SAVED_HEADING: &str = "# Smile ID callback sources, read by smile-sec allowlist fetch";
const SAVED_SOURCE: &str = "# Source: ";
const SAVED_READ: &str = "# Read: ";

/// Where and when the page behind a list that `allowlist fetch` saved was read, from the stamp it
/// starts with; `None` for any other list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedStamp<'a> {
    pub source: &'a str,
    pub read_at: &'a str,
}

impl<'a> SavedStamp<'a> {
    /// The stamp `text` starts with (after a byte-order mark), when it starts as a saved list does.
    pub fn of(text: &'a str) -> Option<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines();
        if lines.next()?.trim_end() != SAVED_HEADING {
            return None;
        }
        let source = lines.next()?.strip_prefix(SAVED_SOURCE)?.trim();
        let read_at = lines.next()?.strip_prefix(SAVED_READ)?.trim();
        (!source.is_empty() && !read_at.is_empty()).then_some(SavedStamp { source, read_at })
    }
}

/// Whether the name at `start..end` of `text` (lower-case) names an environment: not the tail of
/// another word (`non-production`, `pre-production`); and `live` or `test`, which are words of
/// sentences too (`to test your firewall`, `live chat`), only where they stand as a name does:
/// before a colon, at a cell's or line's end, or before `environment`.
fn names_environment(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    if ["non-", "non ", "pre-", "pre "]
        .iter()
        .any(|p| before.ends_with(p))
    {
        return false;
    }
    let word = &text[start..end];
    if word != "live" && word != "test" {
        return true;
    }
    let after = text[end..].trim_start_matches([' ', '\t']);
    after.is_empty()
        || after.starts_with([':', '\n', '|', ')', END_OF_ROW, END_OF_LIST, END_OF_SECTION])
        || after.starts_with("environment")
}

/// What makes an address one no callback can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSourceKind {
    /// `127.0.0.0/8`, `::1`: the receiving machine itself.
    Loopback,
    /// `0.0.0.0`, `::`: no host at all.
    Unspecified,
    /// `255.x.x.x`: a netmask or the broadcast address, never a host's.
    Netmask,
}

impl NoSourceKind {
    fn why(self) -> &'static str {
        match self {
            NoSourceKind::Loopback => {
                "a loopback address: it names the receiving machine itself, never a sender of callbacks"
            }
            NoSourceKind::Unspecified => {
                "the unspecified address: it names no host, so no callback comes from it (to a firewall it may mean every address)"
            }
            NoSourceKind::Netmask => {
                "a netmask or broadcast address, never a host's, so no callback comes from it"
            }
        }
    }
}

/// Why `ip` is no address a callback can come from, if it is none: unspecified, loopback, or (in
/// IPv4) a netmask.
fn no_source(ip: IpAddr) -> Option<NoSourceKind> {
    if ip.is_unspecified() {
        Some(NoSourceKind::Unspecified)
    } else if ip.is_loopback() {
        Some(NoSourceKind::Loopback)
    } else if matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 255) {
        Some(NoSourceKind::Netmask)
    } else {
        None
    }
}

/// Whether `merged` (ranges merged where they overlap, in order) holds any of `start..end`.
fn overlaps(merged: &[std::ops::Range<usize>], start: usize, end: usize) -> bool {
    // The last merged stretch that starts before `end` is the only one that can reach past
    // `start`.
    let before = merged.partition_point(|r| r.start < end);
    before
        .checked_sub(1)
        .is_some_and(|last| merged[last].end > start)
}

/// Stretches of a page's text, each with what it says, looked up by where an address or a name
/// stands. They are kept merged and in order too, so that a page of many does not cost their
/// number for every lookup: which one it is is looked for only when one holds it.
struct Stretches<T> {
    merged: Vec<std::ops::Range<usize>>,
    each: Vec<(std::ops::Range<usize>, T)>,
}

impl<T> Stretches<T> {
    fn new(each: Vec<(std::ops::Range<usize>, T)>) -> Stretches<T> {
        let merged = merged_ranges(each.iter().map(|(range, _)| range.clone()));
        Stretches { merged, each }
    }

    /// What the first stretch that holds any of `start..end` says, if one does.
    fn holding(&self, start: usize, end: usize) -> Option<&T> {
        if !overlaps(&self.merged, start, end) {
            return None;
        }
        self.each
            .iter()
            .find(|(range, _)| range.start < end && start < range.end)
            .map(|(_, said)| said)
    }
}

/// `ranges` merged where they overlap, in order.
fn merged_ranges(
    ranges: impl Iterator<Item = std::ops::Range<usize>>,
) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<_> = ranges.collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// A run of the characters an IPv6 token is made of (hex digits, colons, dots), read once for
/// every start inside it: where it ends, where its colons are and where its last `::` is.
struct Run {
    end: usize,
    colons: Vec<usize>,
    last_double_colon: Option<usize>,
}

/// The token written like an IPv6 address that starts at `start` of `text` (lower-case): hex
/// digits, colons and dots with `::` or seven colons at least (a time, `10:30:00`, or a hardware
/// address is not one), and where it ends, letters run on included. The address, when it is
/// one whole. `run` keeps the run the last start fell in: a page of `a.a.a.a...` has a start at
/// every letter, and reading the run again from each would take time growing with its square.
fn ipv6_at(text: &str, start: usize, run: &mut Option<Run>) -> Option<(Option<Ipv6Addr>, usize)> {
    let bytes = text.as_bytes();
    let in_token = |b: &u8| b.is_ascii_hexdigit() || *b == b':' || *b == b'.';
    // Bytes, not text: `start` may fall inside a character, which starts no token.
    if !bytes.get(start).is_some_and(in_token) {
        return None;
    }
    if run.as_ref().is_none_or(|r| start >= r.end) {
        let end = start
            + bytes[start..]
                .iter()
                .position(|b| !in_token(b))
                .unwrap_or(bytes.len() - start);
        let colons: Vec<usize> = (start..end).filter(|&i| bytes[i] == b':').collect();
        let last_double_colon = colons
            .windows(2)
            .rev()
            .find(|w| w[1] == w[0] + 1)
            .map(|w| w[0]);
        *run = Some(Run {
            end,
            colons,
            last_double_colon,
        });
    }
    let run = run.as_ref()?;
    // The token ends where the run does, its trailing dots aside.
    let end = start + text[start..run.end].trim_end_matches('.').len();
    let colons_after = run.colons.len() - run.colons.partition_point(|&c| c < start);
    let double_colon = run
        .last_double_colon
        .is_some_and(|at| at >= start && at + 1 < end);
    if !(double_colon || colons_after >= 7) {
        return None;
    }
    let token = &text[start..end];
    if !token.bytes().any(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let run_on = bytes[end..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let parsed = if run_on == 0 {
        token.parse().ok()
    } else {
        None
    };
    Some((parsed, end + run_on))
}

/// `a.b.c.d` with four decimal parts of 0-255 and no leading zeros.
fn strict_ipv4(token: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')))
    {
        return None;
    }
    let net: IpNet = format!("{token}/32").parse().ok()?;
    match net {
        IpNet::V4(v4) => Some(v4.addr()),
        IpNet::V6(_) => None,
    }
}

/// Whether `token` (digits and dots, or a `0x` spelling) reads as an address written another
/// way: four or more parts with a leading zero or over 255, a hex spelling, three parts (a short
/// form, which `inet_aton` reads as an address), or two in a list under way. Other numbers near
/// a name (a version, a year) are not, unless they stand alone as a list's item would.
fn almost_an_address(token: &str, in_list: bool) -> bool {
    if token.starts_with("0x") {
        return true;
    }
    let parts: Vec<&str> = token.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let short = parts.iter().all(|p| p.len() <= 3);
    // Four parts or more, however long (two addresses run together across markup,
    // `34.240.137.5244.230.128.108`); or, in a list under way, a short form.
    numeric && (parts.len() >= 4 || (short && (parts.len() == 3 || (in_list && parts.len() == 2))))
}

/// What the section, the lead-in or the name the reading is under says of the past, if anything.
fn said_around(
    section: Option<(u8, &'static str)>,
    lead_in: Option<LeadIn>,
    named: Option<Named>,
) -> Option<&'static str> {
    section
        .map(|(_, word)| word)
        .or(lead_in.map(|l| l.word))
        .or(named.and_then(|named| named.past))
}

/// The most words a row may have to stand as a title over the list after it, as a heading does.
const TITLE_WORDS: usize = 4;

/// A row that leads into a list and speaks of the past (`Previous addresses (in use before
/// 1 March):`): it speaks for the list after it, which may stand a block further, up to the
/// list's end.
#[derive(Debug, Clone, Copy)]
struct LeadIn {
    word: &'static str,
    /// Whether an address came since: the list has begun.
    listed: bool,
    /// How many blocks ended since the row.
    blocks: u8,
}

/// The environment named last while a page is read: the addresses that follow near it are its.
#[derive(Debug, Clone, Copy)]
struct Named {
    env: Environment,
    /// The end of the name, or of the last address taken since.
    at: usize,
    /// How far the next address may be.
    near: usize,
    /// How many blocks ended since the name.
    blocks: u8,
    /// The word of the past in the name's row (`Previous production addresses:`), which speaks
    /// for the list it heads.
    past: Option<&'static str>,
    /// The name's row named the other environment too (a table's header row with a column per
    /// environment, `Production and Sandbox callbacks come from:`): the list it heads may be
    /// either's, or both's, and is not taken.
    both: bool,
}

impl Named {
    /// Whether the list this name heads may be the other environment's too: its own row named
    /// both, or the row of the address at hand (`named_in_row`: production, sandbox) does.
    fn names_both(&self, named_in_row: [bool; 2]) -> bool {
        self.both || named_in_row == [true; 2]
    }

    /// The name as it stands once an address ending at `end` is taken: the list goes on from
    /// there, and the next address is near it.
    fn next_after(self, end: usize) -> Named {
        Named {
            at: end,
            near: NEXT,
            blocks: 0,
            ..self
        }
    }
}

/// Whether the address that ends at `end` of `text` is written as a network of that one address
/// (`/32` after an IPv4 address, `/128` after an IPv6 one, as `--allowlist` files write them).
fn host_prefix(text: &str, end: usize, bits: &str) -> bool {
    text[end..]
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(bits))
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Where a network prefix (`/24`, `/ 24`) or a range (`-45`, `– 45`, `to 52.36.32.45`) that
/// follows an address at `end` of `text` ends, if one does. Two addresses
/// with a slash between them (`34.240.137.52 / 44.230.128.108`) are a list, not a network.
fn network_or_range(text: &str, end: usize) -> Option<usize> {
    let blank = |t: &str| t.len() - t.trim_start_matches([' ', '\t', '\u{a0}']).len();
    let rest = &text[end..];
    let gap = blank(rest);
    let marker = [
        "/", "-", "~", "to ", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}",
        "\u{2212}",
    ]
    .into_iter()
    .find(|m| rest[gap..].starts_with(m))?;
    let after = gap + marker.len();
    let digits_at = after + blank(&rest[after..]);
    let digits = rest[digits_at..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let dotted = digits_at
        + rest[digits_at..]
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
    let another_address = strict_ipv4(rest[digits_at..dotted].trim_end_matches('.')).is_some();
    if digits == 0 || (marker == "/" && another_address) {
        return None;
    }
    Some(
        end + if another_address {
            dotted
        } else {
            digits_at + digits
        },
    )
}

/// Whether the token at `start..end` of `text` stands as a list's item: between separators
/// (a comma, a semicolon, a bullet, a line, row or cell end, a block end, or the text's ends),
/// white space aside. A number in a sentence (`TLS 1.2`, `99.9% uptime`) does not.
fn stands_alone(text: &[u8], start: usize, end: usize) -> bool {
    let separator = |b: &u8| {
        matches!(*b, b',' | b';' | b'\n' | b'|' | b'-' | b'*' | b'+')
            || *b == END_OF_LIST as u8
            || *b == END_OF_SECTION as u8
            || *b == END_OF_ROW as u8
    };
    // A no-break space (U+00A0, bytes C2 A0) is blank too.
    let not_blank = |b: &&u8| !matches!(**b, b' ' | b'\t' | b'\r' | 0xc2 | 0xa0);
    text[..start]
        .iter()
        .rev()
        .find(not_blank)
        .is_none_or(separator)
        && text[end..].iter().find(not_blank).is_none_or(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_list_gives_back_its_stamp() {
        let published = Published {
            production: ["34.240.137.52".parse().unwrap()].into(),
            sandbox: ["35.166.227.53".parse().unwrap()].into(),
        };
        let text = published.to_allowlist_file("https://example.com/page", "2026-12-01T00:00:00Z");
        assert_eq!(
            SavedStamp::of(&text),
            Some(SavedStamp {
                source: "https://example.com/page",
                read_at: "2026-12-01T00:00:00Z",
            })
        );
        // Another list, or one whose stamp lost a line, has none.
        assert_eq!(SavedStamp::of("34.240.137.52 production\n"), None);
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert_eq!(SavedStamp::of(&cut), None);
    }

    const TABLE: &str = r#"<html><head><style>td{}</style><script>var ip="1.1.1.1";</script></head><body>
      <h2>API keys</h2><p>A Sandbox key does not work in Live.</p>
      <h2>IP Allowlisting</h2><p>Allow all eight if you handle both Production and Sandbox callbacks.</p>
      <table><tr><th>Environment</th><th>IP addresses</th></tr>
      <tr><td>Production</td><td>34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74</td></tr>
      <tr><td><strong>Sandbox</strong></td><td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141</td></tr>
      </table><p>Version 1.2.3.4.5 of the page; our office network (not for callbacks) is described elsewhere, and the address of our status page is 10.0.0.1.</p></body></html>"#;

    /// [`TABLE`] with `markup` written in the production cell, after its last address.
    fn after_the_last_production_address(markup: &str) -> String {
        TABLE.replace("52.213.46.74</td>", &format!("52.213.46.74{markup}</td>"))
    }

    /// Asserts that `markup` after the last production address refuses the page for `6.6.6.6`
    /// standing in what `declaration` makes doubtful.
    fn assert_refused_as_doubtful(markup: &str, declaration: &str) {
        assert_eq!(
            Published::from_page(&after_the_last_production_address(markup)),
            Err(NotFound::DoubtfulStyle(
                "6.6.6.6".into(),
                declaration.into()
            )),
            "{markup}"
        );
    }

    #[test]
    fn a_table_gives_both_lists() {
        let found = Published::from_page(TABLE).unwrap();
        let built_in = Allowlist::built_in(None);
        assert_eq!(found.compare(&built_in), (vec![], vec![]));
        assert_eq!(found.production.len(), 4);
        assert!(found.sandbox.contains(&IpAddr::from([99, 81, 237, 141])));
    }

    /// A table with a column per environment names both in its header row: the rows under it
    /// are not read column by column, so an address there may be either environment's. The
    /// page is refused for it, rather than every address taken for the column named last.
    #[test]
    fn a_column_per_environment_is_refused_as_naming_both() {
        let markdown = "# Security\n| Sandbox | Production |\n|---|---|\n\
                        | 35.166.227.53 | 34.240.137.52 |\n| 44.246.19.66 | 44.230.128.108 |\n";
        let html = "<html><body><table><tr><th>Sandbox</th><th>Production</th></tr>\
                    <tr><td>35.166.227.53</td><td>34.240.137.52</td></tr></table></body></html>";
        let sentence =
            "Production and Sandbox callbacks come from:\n\n- 35.166.227.53\n- 34.240.137.52\n";
        for page in [markdown, html, sentence] {
            assert_eq!(
                Published::from_page(page),
                Err(NotFound::BothNamed("35.166.227.53".into())),
                "{page}"
            );
        }
    }

    /// A browser shows text around an inline tag, a comment or an invisible character as one
    /// word: an address written across them is that address, neither cut at the markup nor
    /// dropped.
    #[test]
    fn an_address_written_across_markup_reads_as_a_browser_shows_it() {
        let built_in = Allowlist::built_in(None);
        for written in [
            "34.240.137.5<!-- -->2",
            "34.240.137.5<span>2</span>",
            "<a href=\"#x\">34.240.137.52</a>",
            "34.240.<wbr>137.52",
            "34.240&#8203;.137.52",
            "34&#x2E;240&#x2e;137&#46;52",
            "34.240.137.<b>52</b>",
            "34.240.137.&shy;52",
            "34&#65294;240.137.52",
            "\u{ff13}\u{ff14}.240.137.52",
            "34\u{3002}240.137.52",
        ] {
            let page = TABLE.replace("34.240.137.52", written);
            let found = Published::from_page(&page).unwrap();
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{written}");
        }
        // A text's `&` that starts no reference stays as it is.
        let page = TABLE.replace("<h2>API keys</h2>", "<h2>Terms & conditions &c</h2>");
        assert_eq!(Published::from_page(&page).unwrap().production.len(), 4);
        // A footnote mark glued to an address makes no address: the page is refused. So do two
        // addresses with only inline markup between them, which a browser shows run together,
        // and a short form beside a no-break space.
        for glued in [
            "52.36.32.43x",
            "52.36.32.43_2",
            "2001:db8::1::2",
            "1:2:3:4:5:6:7:8:9",
            "2001:db8:::1",
            "::ffff:01.2.3.4",
            "2001:db8::1g",
            "12345::1",
            "52.36.32.43<sup>1</sup>",
            "<code>52.36.32.43</code><code>44.230.128.108</code>",
            "52.36.32&nbsp;",
        ] {
            let page = TABLE.replace("52.36.32.43", glued);
            assert!(
                matches!(Published::from_page(&page), Err(NotFound::Ambiguous(..))),
                "{glued}"
            );
        }
    }

    /// A loopback, unspecified or netmask address in a list is refused for what it is, not as a
    /// spelling parsers disagree on.
    #[test]
    fn an_address_no_callback_comes_from_is_refused_for_that_reason() {
        for (written, kind, words) in [
            ("127.0.0.1", NoSourceKind::Loopback, "a loopback address"),
            ("127.1.2.3", NoSourceKind::Loopback, "a loopback address"),
            ("::1", NoSourceKind::Loopback, "a loopback address"),
            (
                "::ffff:127.0.0.1",
                NoSourceKind::Loopback,
                "a loopback address",
            ),
            (
                "0.0.0.0",
                NoSourceKind::Unspecified,
                "the unspecified address",
            ),
            (
                "0:0:0:0:0:0:0:0",
                NoSourceKind::Unspecified,
                "the unspecified address",
            ),
            (
                "255.255.255.0",
                NoSourceKind::Netmask,
                "a netmask or broadcast address",
            ),
            (
                "255.255.255.255",
                NoSourceKind::Netmask,
                "a netmask or broadcast address",
            ),
        ] {
            let page = TABLE.replace("52.36.32.43,", &format!("52.36.32.43, {written},"));
            let refused = Published::from_page(&page);
            assert_eq!(
                refused,
                Err(NotFound::NoSource(
                    Environment::Production,
                    written.to_owned(),
                    kind
                )),
                "{written}"
            );
            let said = refused.unwrap_err().to_string();
            assert!(
                said.starts_with(&format!(
                    "the page lists `{written}` among the production addresses, which is {words}"
                )) && !said.contains("plain dotted"),
                "{said}"
            );
        }
    }

    /// Content a browser does not show, by the element's inline style or its `hidden`
    /// attribute, is passed over whole, however the style is written and whatever the element
    /// holds (an element of the same name, a comment or a script with an end tag in it).
    #[test]
    fn content_a_style_hides_is_passed_over() {
        let built_in = Allowlist::built_in(None);
        for hidden in [
            r#"<span style="visibility:hidden">, 6.6.6.6</span>"#,
            r#"<span style="visibility: hidden !important">, 6.6.6.6</span>"#,
            r#"<span style="opacity:0">, 6.6.6.6</span>"#,
            r#"<span style="opacity:0.0">, 6.6.6.6</span>"#,
            r#"<span style="font-size:0">, 6.6.6.6</span>"#,
            r#"<span style="font-size:0px">, 6.6.6.6</span>"#,
            r#"<span style="color:red;OPACITY : 0 ! IMPORTANT">, 6.6.6.6</span>"#,
            r#"<span style="opacity&#58;0">, 6.6.6.6</span>"#,
            r#"<span style="content-visibility:hidden">, 6.6.6.6</span>"#,
            r#"<div style="display:none"><p>Sandbox</p>, 6.6.6.6</div>"#,
            r#"<span hidden><span></span>, 6.6.6.6</span>"#,
            r#"<span style="display:none"><span title="</span>">x</span>, 6.6.6.6</span>"#,
            r#"<span hidden><!-- </span> -->, 6.6.6.6</span>"#,
            r#"<span hidden><script>"</span>"</script>, 6.6.6.6</span>"#,
            r#"<del><del>1.2.3.4</del>, 6.6.6.6</del>"#,
            r#"<span style="visibility:hidden"><b>, 6.6.6.6</b></span>"#,
            r#"<img hidden src="x.png">"#,
        ] {
            let page = after_the_last_production_address(hidden);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{hidden}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{hidden}");
        }
        // Shown: the style shows it, or overrides `hidden`.
        for shown in [
            r#"<span style="opacity:1">, 6.6.6.6</span>"#,
            r#"<span style="font-size:12px" title="opacity:0">, 6.6.6.6</span>"#,
            r#"<span hidden style="display:inline">, 6.6.6.6</span>"#,
            r#"<span style="font-family:'a;opacity:0'">, 6.6.6.6</span>"#,
            r#"<span style="dis/**/play:none">, 6.6.6.6</span>"#,
            r#"<span style="opa/**/city:0">, 6.6.6.6</span>"#,
        ] {
            let page = after_the_last_production_address(shown);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(
                found.compare(&built_in).0,
                vec!["6.6.6.6/32 (production)".to_owned()],
                "{shown}"
            );
        }
    }

    /// Tags, comments and bogus comments end where a browser's tokenizer ends them: an end tag's
    /// name runs to white space, `/` or `>`; `<?...>` and `<!...>` end at their first `>`, quotes
    /// or not; `<!-->` is a whole comment; nothing ends `<plaintext>`.
    #[test]
    fn markup_ends_where_a_browser_ends_it() {
        let built_in = Allowlist::built_in(None);
        for hidden in [
            "<span hidden></span-x>, 6.6.6.6</span>",
            "<span hidden></span:x>, 6.6.6.6</span>",
            "<span hidden></span<b>, 6.6.6.6</span>",
            "<span hidden><?x </span>, 6.6.6.6</span>",
            "<span hidden><!x </span>, 6.6.6.6</span>",
            "<span hidden><![CDATA[ </span>, 6.6.6.6</span>",
            "<span hidden><script></script-x></span></script>, 6.6.6.6</span>",
            "<iframe></span>, 6.6.6.6</iframe>",
        ] {
            let page = after_the_last_production_address(hidden);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{hidden}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{hidden}");
        }
        // Nothing ends a `<plaintext>`: the rest of the page, the sandbox list with it, is hidden.
        let page = TABLE.replace(
            "52.213.46.74</td>",
            "52.213.46.74<span hidden><plaintext></plaintext></span>, 6.6.6.6</td>",
        );
        assert_eq!(
            Published::from_page(&page),
            Err(NotFound::Half(Environment::Sandbox))
        );
        let page = TABLE.replace(
            "52.213.46.74</td>",
            r#"52.213.46.74<span style="opacity:var(--o)"></span-x>, 6.6.6.6</span></td>"#,
        );
        assert_eq!(
            Published::from_page(&page),
            Err(NotFound::DoubtfulStyle(
                "6.6.6.6".into(),
                "opacity: var(--o)".into()
            ))
        );
        for shown in [
            "<!-->, 52.213.46.74<!-- x -->",
            "<!--->, 52.213.46.74<!-- x -->",
            r#"<?x "> , 52.213.46.74 <b>"</b>"#,
            r#"<!x "> , 52.213.46.74 <b>"</b>"#,
            "<span hidden><b a'b></span>, 52.213.46.74</b>",
            "<span-x>, 52.213.46.74</span-x>",
            "<xmp><span hidden></xmp>, 52.213.46.74",
            "<xmp><!--</xmp>, 52.213.46.74<!-- -->",
            "<textarea><span hidden></textarea>, 52.213.46.74",
            "<3 , 52.213.46.74 >",
        ] {
            let page = TABLE.replace(", 52.213.46.74</td>", &format!("{shown}</td>"));
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{shown}");
        }
        // A shown `<plaintext>` shows the rest of the page as it is written, tags and all, line
        // by line: the hidden `<span>` is text, and the sandbox row a line of its own.
        let page = TABLE.replace(
            ", 52.213.46.74</td>",
            "<plaintext><span hidden>, 52.213.46.74</span></td>",
        );
        let found = Published::from_page(&page).unwrap();
        assert_eq!(found.compare(&built_in), (vec![], vec![]));
        // On one line, a name after an address in it is refused as anywhere.
        let page = TABLE.replace(
            ", 52.213.46.74</td></tr>\n      <tr>",
            "<plaintext><span hidden>, 52.213.46.74</span></td></tr><tr>",
        );
        assert!(matches!(
            Published::from_page(&page),
            Err(NotFound::NameAfterAddress(_))
        ));
    }

    /// Hidden content ends where a browser's tree builder ends it: an item whose `</li>` is left
    /// out ends at the next `<li>`, a paragraph at a block, misnested formatting is mended, and
    /// text that stands in a table outside its cells shows before the table.
    #[test]
    fn hidden_content_ends_where_a_browser_ends_it() {
        let sandbox = "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141</td>";
        let built_in = Allowlist::built_in(None);
        for cell in [
            "<td><ul><li>35.166.227.53<li>44.246.19.66<li>54.246.37.255<li hidden>retired: 6.6.6.6<li>99.81.237.141</ul></td>",
            "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<p hidden>retired: 6.6.6.6<div>99.81.237.141</div></p></td>",
            "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141<span hidden><div></span>, 6.6.6.6</div></td>",
            "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141<b hidden><p>, 6.6.6.6</b></p></td>",
            "<td><ul><li>35.166.227.53<li>44.246.19.66<li>54.246.37.255<li hidden>retired: 6.6.6.6</li><li>99.81.237.141</ul></td>",
            "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141<div hidden><table><tr><td>6.6.6.6</td></tr></table></div></td></tr><tr hidden><td>Sandbox</td><td>6.6.6.6</td>",
            "<td><details><summary>35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141</summary>retired: 6.6.6.6</details></td>",
        ] {
            let page = TABLE.replace(sandbox, cell);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{cell}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{cell}");
        }
        // Shown: the `<li>` after a hidden one, text after the end of hidden formatting that a
        // block inside it outlives, and text a hidden table's rows leave outside their cells,
        // which shows before the table.
        for (cell, added) in [
            (
                "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141<b hidden><p></b>, 6.6.6.6</p></td>",
                "6.6.6.6/32 (sandbox)",
            ),
            (
                "<td><ul><li>35.166.227.53<li>44.246.19.66<li>54.246.37.255<li hidden>retired<li>99.81.237.141<li>6.6.6.6</ul></td>",
                "6.6.6.6/32 (sandbox)",
            ),
            (
                "<td>35.166.227.53<br>44.246.19.66<br>54.246.37.255<br>99.81.237.141<table hidden><tr><td>x</td></tr>, 6.6.6.6</table></td>",
                "6.6.6.6/32 (sandbox)",
            ),
            (
                "<td><details open><summary>Sandbox</summary>35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141, 6.6.6.6</details></td>",
                "6.6.6.6/32 (sandbox)",
            ),
        ] {
            let page = TABLE.replace(sandbox, cell);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{cell}: {e}"));
            assert_eq!(found.compare(&built_in).0, vec![added.to_owned()], "{cell}");
        }
    }

    /// A page nested deeper, or holding more nodes, than any page a browser shows as written is
    /// refused, as it grows: reading it to its end would take time and memory out of all
    /// proportion (the tree builder looks through every open element for many tags).
    #[test]
    fn markup_too_deep_or_too_large_is_refused() {
        let nested =
            |depth: usize| TABLE.replace("<table>", &format!("{}<table>", "<div>".repeat(depth)));
        let found = Published::from_page(&nested(400)).unwrap();
        assert_eq!(found.compare(&Allowlist::built_in(None)), (vec![], vec![]));
        assert_eq!(
            Published::from_page(&nested(html::MAX_OPEN_ELEMENTS)),
            Err(NotFound::TooDeep)
        );
        // Formatting left open counts as well: it is looked through as open elements are.
        let formatting = TABLE.replace("<table>", &format!("{}<table>", "<b>".repeat(600)));
        assert_eq!(Published::from_page(&formatting), Err(NotFound::TooDeep));
        // Open formatting is counted once, not also as formatting to resume.
        let closed: String = (0..300).map(|i| format!("<b id={i}>")).collect();
        let closed = TABLE.replace(
            "<h2>API keys</h2>",
            &format!("{closed}{}<h2>API keys</h2>", "</b>".repeat(300)),
        );
        assert!(Published::from_page(&closed).is_ok());
        let large = TABLE.replace(
            "</table>",
            &format!("</table>{}", "<i></i>".repeat(html::MAX_NODES)),
        );
        assert_eq!(Published::from_page(&large), Err(NotFound::TooLarge));
        let said = NotFound::TooDeep.to_string();
        assert!(said.contains("more than 512 elements"), "{said}");
    }

    /// What a browser does not show besides what a style hides: the browser's own style sheet
    /// (a popover, ruby's parentheses), the fallback of media it plays, and control characters;
    /// and white space, whose runs show as one space however a page is indented.
    #[test]
    fn what_a_browser_shows_otherwise_is_read_so() {
        let built_in = Allowlist::built_in(None);
        for hidden in [
            "<div popover>, 6.6.6.6</div>",
            "<ruby>a<rp>, 6.6.6.6</rp><rt>b</rt></ruby>",
            "<video>, 6.6.6.6</video>",
            "<audio>, 6.6.6.6</audio>",
            "<canvas>, 6.6.6.6</canvas>",
            "<progress>, 6.6.6.6</progress>",
            "<meter>, 6.6.6.6</meter>",
            r#"<span style="display:none;display:block !important;display:none !important">, 6.6.6.6</span>"#,
            r#"<span hidden style="display:revert">, 6.6.6.6</span>"#,
            r#"<span style="font: 0/0 a">, 6.6.6.6</span>"#,
            "<span style=\"font-family:'x\n; display:none\">, 6.6.6.6</span>",
            r#"<span style="background:url(x'y); display:none">, 6.6.6.6</span>"#,
        ] {
            let page = after_the_last_production_address(hidden);
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{hidden}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{hidden}");
        }
        // Shown: CSS drops a declaration it cannot read (brackets that do not close, a space
        // that is none to CSS, a number it does not know), so it hides nothing.
        for shown in [
            r#"<span style="x:(]; display:none">, 6.6.6.6</span>"#,
            "<span style=\"\u{a0}display:none\">, 6.6.6.6</span>",
            "6.6.6.6\u{2}",
        ] {
            let page = after_the_last_production_address(&format!(", {shown}"));
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(
                found.compare(&built_in).0,
                vec!["6.6.6.6/32 (production)".to_owned()],
                "{shown}"
            );
        }
        // A control character is no mark of a row's end: both names stay in the row.
        let both = TABLE.replace(
            "</table>",
            "</table><p>Production and Sandbox callbacks may also come from &#3;6.6.6.6.</p>",
        );
        assert_eq!(
            Published::from_page(&both),
            Err(NotFound::BothNamed("6.6.6.6".into()))
        );
        // A list as a pretty-printer writes it, however deep its indentation.
        let indent = " ".repeat(24);
        let items = |addresses: &[&str]| {
            addresses
                .iter()
                .map(|a| format!("{indent}<li>\n{indent}  {a}\n{indent}</li>\n"))
                .collect::<String>()
        };
        let page = format!(
            "<html><body>\n{indent}<h3>Production</h3>\n{indent}<ul>\n{}{indent}</ul>\n{indent}<h3>Sandbox</h3>\n{indent}<ul>\n{}{indent}</ul>\n</body></html>",
            items(&[
                "34.240.137.52",
                "44.230.128.108",
                "52.36.32.43",
                "52.213.46.74"
            ]),
            items(&[
                "35.166.227.53",
                "44.246.19.66",
                "54.246.37.255",
                "99.81.237.141"
            ]),
        );
        let found = Published::from_page(&page).unwrap();
        assert_eq!(found.compare(&built_in), (vec![], vec![]));
    }

    /// Content that shows by rules this reading does not follow (SVG, MathML, a drop-down list,
    /// an object's fallback, a table's caption or footer, a shadow root, an input's value), or
    /// under a style it cannot be sure of, refuses the page when an address stands in it.
    #[test]
    fn content_shown_by_rules_not_followed_refuses_the_page() {
        for (doubtful, declaration) in [
            (r#"<svg><text y="20">, 6.6.6.6</text></svg>"#, "<svg>"),
            ("<math><mtext>, 6.6.6.6</mtext></math>", "<math>"),
            (
                "<select><option>a</option><option>, 6.6.6.6</option></select>",
                "<select>",
            ),
            (r#"<object data="x.png">, 6.6.6.6</object>"#, "<object>"),
            (
                r#"<div><template shadowrootmode="open">, 6.6.6.6</template></div>"#,
                "<div> with a shadow root",
            ),
            (r#"<input value="6.6.6.6">"#, "<input> value"),
            (
                r#"<button role="tab">, 6.6.6.6</button>"#,
                "<button> tab label",
            ),
            (r#"<iframe srcdoc="6.6.6.6"></iframe>"#, "<iframe> srcdoc"),
            (
                r#"<svg><text y="20" hidden>, 6.6.6.6</text></svg>"#,
                "<text> hidden inside SVG or MathML",
            ),
            (
                r#"<span style="display:none;display:bogus">, 6.6.6.6</span>"#,
                "display: bogus",
            ),
            (
                r#"<span style="opacity:0.">, 6.6.6.6</span>"#,
                "opacity: 0.",
            ),
            (
                r#"<span style="font-size:0deg">, 6.6.6.6</span>"#,
                "font-size: 0deg",
            ),
            (
                r#"<span style="font-size:0">, <textarea>6.6.6.6</textarea></span>"#,
                "font-size: 0, set again inside",
            ),
            (
                r#"<span style="font-size:0">, <svg font-size="16"><text>6.6.6.6</text></svg></span>"#,
                "<svg>",
            ),
        ] {
            assert_refused_as_doubtful(doubtful, declaration);
        }
        let footer = TABLE.replace(
            "</table>",
            "<tfoot><tr><td></td><td>6.6.6.6</td></tr></tfoot></table>",
        );
        assert_eq!(
            Published::from_page(&footer),
            Err(NotFound::DoubtfulStyle("6.6.6.6".into(), "<tfoot>".into()))
        );
    }

    /// A page with a tab for each environment shows one panel at a time, wherever the labels
    /// stand: the environment's name in a tab's label refuses the page, naming the label, where it
    /// said the page listed no production address. Tabs are marked `role="tab"` (GitBook,
    /// Docusaurus) or are labels of radio buttons (MkDocs, either layout, or a label around its
    /// button).
    #[test]
    fn tabs_for_the_environments_refuse_the_page() {
        let list = |addresses: &[&str]| {
            addresses
                .iter()
                .map(|a| format!("<li>{a}</li>"))
                .collect::<String>()
        };
        let production = list(&[
            "34.240.137.52",
            "44.230.128.108",
            "52.36.32.43",
            "52.213.46.74",
        ]);
        let sandbox = list(&[
            "35.166.227.53",
            "44.246.19.66",
            "54.246.37.255",
            "99.81.237.141",
        ]);
        let radio =
            |n: u8| format!(r#"<input id="__tabbed_1_{n}" name="__tabbed_1" type="radio">"#);
        let labels_first = format!(
            r#"<div class="tabbed-set tabbed-alternate">{}{}<div class="tabbed-labels"><label for="__tabbed_1_1">Production</label><label for="__tabbed_1_2">Sandbox</label></div><div class="tabbed-content"><div class="tabbed-block"><ul>{production}</ul></div><div class="tabbed-block"><ul>{sandbox}</ul></div></div></div>"#,
            radio(1),
            radio(2)
        );
        let interleaved = format!(
            r#"<div class="tabbed-set">{}<label for="__tabbed_1_1">Production</label><div class="tabbed-content"><ul>{production}</ul></div>{}<label for="__tabbed_1_2">Sandbox</label><div class="tabbed-content"><ul>{sandbox}</ul></div></div>"#,
            radio(1),
            radio(2)
        );
        // A label without `for` names the radio button inside it.
        let wrapped = format!(
            r#"<form><label><input name="env" type="radio" checked> Production</label><label><input name="env" type="radio"> Sandbox</label></form><div class="panel"><ul>{production}</ul></div><div class="panel"><ul>{sandbox}</ul></div>"#
        );
        let aria = format!(
            r#"<div role="tablist"><button role="tab">Production</button><button role="tab">Sandbox</button></div><div role="tabpanel"><ul>{production}</ul></div><div role="tabpanel" hidden><ul>{sandbox}</ul></div>"#
        );
        for (page, label) in [
            (&labels_first, "<label> tab label"),
            (&interleaved, "<label> tab label"),
            (&wrapped, "<label> tab label"),
            (&aria, "<button> tab label"),
        ] {
            assert_eq!(
                Published::from_page(&format!("<!doctype html><h1>Callback IPs</h1>{page}")),
                Err(NotFound::DoubtfulStyle("Production".into(), label.into())),
                "{page}"
            );
        }
        // A tab labelled for the past shows addresses callbacks may no longer come from, in a
        // panel that is not followed here.
        let past = labels_first
            .replace(">Production</label>", ">Current</label>")
            .replace(">Sandbox</label>", ">Previous\n addresses</label>")
            .replace("<ul>", "<p>Production:</p><ul>");
        assert_eq!(
            Published::from_page(&past),
            Err(NotFound::PastTab("Previous addresses".into(), "previous"))
        );
        let before = past
            .replace(">Current</label>", ">Since 1 March</label>")
            .replace(">Previous\n addresses</label>", ">Before 1 March</label>");
        assert_eq!(
            Published::from_page(&before),
            Err(NotFound::PastTab("Before 1 March".into(), "before"))
        );
        // Tabs of the past after the list (firewall examples, a feedback form) say nothing of
        // it; a radio button's value does not show.
        let lists = format!(
            "<!doctype html><h2>Callback IPs</h2><p>Production:</p><ul>{production}</ul><p>Sandbox:</p><ul>{sandbox}</ul>"
        );
        let after = format!(
            "{lists}<h2>Firewall</h2><div role=\"tablist\"><button role=\"tab\">nftables</button><button role=\"tab\">iptables (legacy)</button></div>\
             <form><label><input type=\"radio\" name=\"f\" value=\"1\"> Yes, it was helpful</label><label><input type=\"radio\" name=\"f\" value=\"52.18.147.23\"> No</label></form>"
        );
        let found = Published::from_page(&after).unwrap();
        assert_eq!(found.production.len() + found.sandbox.len(), 8, "{after}");
        let value = lists.replace(
            "<h2>",
            "<input type=\"checkbox\" value=\"production\"><input type=\"radio\" value=\"live\"><h2>",
        );
        assert!(Published::from_page(&value).is_ok(), "{value}");
        let begin = lists.replace(
            "<h2>",
            "<div role=\"tablist\"><button role=\"tab\">Before you begin</button><button role=\"tab\">Getting started</button></div><h2>",
        );
        assert!(Published::from_page(&begin).is_ok(), "{begin}");
        // A label for anything but a radio button is read as text: here both names stand in one
        // row above the lists, so whose each list is is not certain.
        for tabs in [&labels_first, &wrapped] {
            let checkbox = tabs.replace(r#"type="radio""#, r#"type="checkbox""#);
            assert_eq!(
                Published::from_page(&checkbox),
                Err(NotFound::BothNamed("34.240.137.52".into())),
                "{checkbox}"
            );
        }
    }

    /// A page that declares an encoding in which its bytes read otherwise than as UTF-8 is
    /// refused; one in UTF-8 or a single-byte encoding is read.
    #[test]
    fn a_page_in_another_encoding_is_refused() {
        for label in ["iso-2022-jp", "Shift_JIS", "utf-16le", "GBK"] {
            let page = TABLE.replace("<head>", &format!(r#"<head><meta charset="{label}">"#));
            assert_eq!(
                Published::from_page(&page),
                Err(NotFound::Encoding(label.into())),
                "{label}"
            );
        }
        let page = TABLE.replace(
            "<head>",
            r#"<head><meta http-equiv="Content-Type" content="text/html; charset=big5">"#,
        );
        assert_eq!(
            Published::from_page(&page),
            Err(NotFound::Encoding("big5".into()))
        );
        for label in ["utf-8", "UTF8", "windows-1252", "iso-8859-1"] {
            let page = TABLE.replace("<head>", &format!(r#"<head><meta charset="{label}">"#));
            assert!(Published::from_page(&page).is_ok(), "{label}");
        }
    }

    /// Pages as documentation generators write them: code blocks (each line a row, the block a
    /// list of its own), blocks that end their rows, a text or Markdown copy with a stray `<`,
    /// and an address written as its `/32`.
    #[test]
    fn pages_as_documentation_generators_write_them() {
        let built_in = Allowlist::built_in(None);
        const PROD: [&str; 4] = [
            "34.240.137.52",
            "44.230.128.108",
            "52.36.32.43",
            "52.213.46.74",
        ];
        const SAND: [&str; 4] = [
            "35.166.227.53",
            "44.246.19.66",
            "54.246.37.255",
            "99.81.237.141",
        ];
        let (prod, sand) = (PROD.join("\n"), SAND.join("\n"));
        for page in [
            format!(
                "<!doctype html><h3>Production</h3>\n<pre><code>{prod}\n</code></pre>\n<p>Note: 203.0.113.10 is our status page.</p><h3>Sandbox</h3>\n<pre><code>{sand}\n</code></pre>\n<p>Test them.</p>"
            ),
            format!(
                "<!doctype html><pre><code># Production\n{prod}\n# Sandbox\n{sand}\n</code></pre>"
            ),
            format!(
                "<!doctype html><h3>Production</h3><blockquote>{}</blockquote><h3>Sandbox</h3><blockquote>{}</blockquote>",
                PROD.join(", "),
                SAND.join(", ")
            ),
            format!(
                "<!doctype html><dl><dt>Production</dt><dd>{}</dd><dt>Sandbox</dt><dd>{}</dd></dl>",
                PROD.join(", "),
                SAND.join(", ")
            ),
            format!(
                "Callbacks (payloads <1.5MB) come from these Production addresses:\n\n{}\n\nand these for Sandbox:\n\n{}\n\nSee <https://usesmileid.com>.\n",
                PROD.map(|a| format!("- {a}")).join("\n"),
                SAND.map(|a| format!("- {a}")).join("\n")
            ),
            format!(
                "| Environment | IP addresses |\n|---|---|\n| Production | {} |\n| Sandbox | {} |\n",
                PROD.join("<br>"),
                SAND.join("<br>")
            ),
            format!(
                "Production: {}\nSandbox: {}\n",
                PROD.map(|a| format!("{a}/32")).join(", "),
                SAND.join(", ")
            ),
        ] {
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{page}: {e}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{page}");
        }
    }

    /// An address in a row or line that speaks of the past, or under a heading that does, may be
    /// one callbacks no longer come from: the page is refused rather than the address taken.
    #[test]
    fn an_address_spoken_of_as_past_refuses_the_page() {
        for (note, word) in [
            (
                "<p>Callbacks no longer come from 52.18.147.23; remove it.</p>",
                "no longer",
            ),
            (
                "<p>Until 1 March callbacks also came from 52.18.147.23.</p>",
                "until",
            ),
            (
                "<p>Production: 52.18.147.23 was removed on 1 March.</p>",
                "was",
            ),
            (
                "<h3>Retired addresses</h3><p>Production:</p><ul><li>52.18.147.23</li></ul>",
                "retired",
            ),
        ] {
            let page = TABLE.replace("</table>", &format!("</table>{note}"));
            let page = page.replace("<p>Version 1.2.3.4.5", "<h2>More</h2><p>Version 1.2.3.4.5");
            let page = if note.starts_with("<h3>") {
                page
            } else {
                page.replace("</table>", "</table><h3>Production</h3>")
            };
            assert_eq!(
                Published::from_page(&page),
                Err(NotFound::PastTense("52.18.147.23".into(), word)),
                "{note}"
            );
        }
    }

    /// A list headed by words of the past (a sentence that leads into it, a heading above its
    /// environment's sub-heading, in Markdown or HTML) refuses the page; a heading of the same
    /// level ends the section of the past.
    #[test]
    fn a_list_headed_by_words_of_the_past_refuses_the_page() {
        let current = "## Callback addresses\n\n### Production\n\n- 34.240.137.52\n- 44.230.128.108\n\
                       - 52.36.32.43\n- 52.213.46.74\n\n### Sandbox\n\n- 35.166.227.53\n- 44.246.19.66\n\
                       - 54.246.37.255\n- 99.81.237.141\n\n";
        let html_current = "<h2>Callback addresses</h2><h3>Production</h3><ul><li>34.240.137.52</li>\
                            <li>44.230.128.108</li><li>52.36.32.43</li><li>52.213.46.74</li></ul>\
                            <h3>Sandbox</h3><ul><li>35.166.227.53</li><li>44.246.19.66</li>\
                            <li>54.246.37.255</li><li>99.81.237.141</li></ul>";
        for (after, word) in [
            (
                "## Changelog\n\n### 1 March 2024\n\nProduction callbacks no longer come from these addresses:\n\n- 203.0.113.5\n",
                "no longer",
            ),
            (
                "## Previous addresses\n\n### Production\n\n- 203.0.113.5\n\n### Sandbox\n\n- 198.51.100.7\n",
                "previous",
            ),
            (
                "# Previous callback addresses\n\nProduction\n----------\n\n- 203.0.113.5\n",
                "previous",
            ),
            (
                "Historical addresses\n====================\n\n## Production\n\n- 203.0.113.5\n",
                "historical",
            ),
            // An underlined heading of two lines, or with a date; an item over a rule is none.
            (
                "Addresses retired\nin March 2024\n-------------\n\nProduction: 203.0.113.5\n",
                "retired",
            ),
            (
                "Retired on 01.03.2024\n---------------------\n\nProduction: 203.0.113.5\n",
                "retired",
            ),
            (
                "## Retired addresses\n\n- Production:\n---\n\n- 203.0.113.5\n",
                "retired",
            ),
            (
                "## Addresses before March 2024\n\nProduction: 203.0.113.5\n",
                "before",
            ),
            (
                "## Prior addresses\n\n### Production\n\n- 203.0.113.5\n",
                "prior",
            ),
            (
                "## In use prior to 1 March\n\nProduction: 203.0.113.5\n",
                "prior to",
            ),
            (
                "<p>Previous production addresses:</p><ul><li>203.0.113.5</li></ul>",
                "previous",
            ),
            (
                "<h2>Past addresses</h2><h3>Production</h3><ul><li>203.0.113.5</li></ul>",
                "past",
            ),
            // A lead-in row that names no environment; a heading whose title stands in blocks
            // of its own (ReadMe's anchors); a code block's `#` comment is no heading.
            (
                "Previous addresses (in use before 1 March 2024):\n- Production: 203.0.113.5\n- Sandbox: 198.51.100.7\n",
                "previous",
            ),
            (
                "<h3>Production</h3><p>Retired on 1 March 2024:</p><ul><li>203.0.113.5</li></ul>",
                "retired",
            ),
            (
                "<p><strong>Retired addresses</strong></p><p>Production:</p><ul><li>203.0.113.5</li></ul>",
                "retired",
            ),
            // A phrase written with a no-break space; an empty heading (an anchor) between.
            (
                "<p>Production callbacks no&nbsp;longer come from these addresses:</p><ul><li>203.0.113.5</li></ul>",
                "no longer",
            ),
            (
                "<h2>Retired addresses</h2><h2 id=\"x\"></h2><h3>Production</h3><ul><li>203.0.113.5</li></ul>",
                "retired",
            ),
            // A lead-in over a table, whose header row names nothing.
            (
                "<p>Previous addresses (until March 2024):</p><table><tr><th>Environment</th><th>Addresses</th></tr><tr><td>Production</td><td>203.0.113.5</td></tr></table>",
                "previous",
            ),
            (
                "The following production addresses were sunset on 1 March 2024:\n\n- 203.0.113.5\n",
                "sunset",
            ),
            (
                "<h2><div class=\"heading-anchor\" id=\"r\"></div><div class=\"heading-text\">Retired addresses</div></h2><h3>Production</h3><ul><li>203.0.113.5</li></ul>",
                "retired",
            ),
            (
                "## Retired addresses\n\n```sh\n# Remove them from your firewall\n```\n\n### Production\n\n- 203.0.113.5\n",
                "retired",
            ),
        ] {
            let page = if after.starts_with('<') {
                format!("<!doctype html>{html_current}{after}")
            } else {
                format!("{current}{after}")
            };
            assert_eq!(
                Published::from_page(&page),
                Err(NotFound::PastTense("203.0.113.5".into(), word)),
                "{page}"
            );
        }
        // A heading of the same level ends the section; a page without one is read whole.
        for page in [
            format!("## Previous addresses\n\nSee the changelog.\n\n{current}"),
            format!("## Before you begin\n\nAllow these addresses.\n\n{current}"),
            format!("## Prior to going live\n\nAllow these addresses.\n\n{current}"),
            // Words of the past that say something else away from an address's own row: in a
            // code block, a sentence naming the environment, a table's caption, a page title.
            format!(
                "## Verify the signature\n\n```python\n# compare in constant time; == was unsafe\n```\n\n{current}"
            ),
            current
                .replace(
                    "### Production\n",
                    "### Production\n\nProduction addresses (this list was updated on 1 March 2024):\n",
                )
                .replace(
                    "### Sandbox\n",
                    "### Sandbox\n\nSandbox (formerly called the test environment):\n",
                ),
            format!("# What was new in 2024\n\n{current}"),
            // A callout's title above the list, a lead-in whose word of the past is in a clause
            // before or in parentheses, tabs of the past in a section before the list.
            "<!doctype html><h2>Callback IP addresses</h2><div><div>Legacy integrations</div><div><p>If you still use the v1 API, see the v1 docs.</p></div></div><p>Callbacks are sent from these addresses:</p><table><tr><td>Production</td><td>34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74</td></tr><tr><td>Sandbox</td><td>35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141</td></tr></table>".to_owned(),
            current.replace(
                "### Production\n",
                "### Production\n\nIf you allowlisted the previous addresses, replace them with the following:\n",
            ),
            current.replace(
                "### Production\n",
                "### Production\n\nNew addresses (replacing the old ones):\n",
            ),
            current.replace(
                "### Sandbox\n",
                "### Sandbox\n\nPlease update your allowlist to the new addresses below (the old ones stop working on 1 June 2024):\n",
            ),
            format!(
                "<!doctype html><h2>Install the SDK</h2><input type=\"radio\" id=\"t1\"><label for=\"t1\">pip (legacy SDK)</label><div><pre>pip install smile-id-core</pre></div>{}",
                html_current
            ),
            current.replace(
                "- 52.213.46.74\n",
                "- 52.213.46.74 (until further notice)\n",
            ),
            format!(
                "<!doctype html><table><tr><td><a href=\"/webhooks\">&laquo; Previous: Webhooks</a></td><td>{html_current}</td></tr></table>"
            ),
            "<!doctype html><table><caption>The previous list is in the changelog.</caption><tr><td>Production</td><td>34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74</td></tr><tr><td>Sandbox</td><td>35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141</td></tr></table>".to_owned(),
            format!(
                "<!doctype html><h2>Previous addresses</h2><p>See the changelog.</p>{html_current}"
            ),
            current.to_owned(),
        ] {
            let found = Published::from_page(&page).unwrap();
            assert_eq!(
                found.compare(&Allowlist::built_in(None)),
                (vec![], vec![]),
                "{page}"
            );
        }
        // Deeper inside the section of the past, a sub-heading does not end it.
        let deeper = format!("## Retired\n\n#### Sandbox\n\n- 198.51.100.7\n\n{current}");
        assert_eq!(
            Published::from_page(&deeper),
            Err(NotFound::PastTense("198.51.100.7".into(), "retired"))
        );
    }

    /// A table that speaks of the past anywhere but in its footer (a `Previous addresses`
    /// column, a title row, a second header row) may hold addresses callbacks no longer come
    /// from, in whichever column a browser draws them: every address in it refuses the page,
    /// in HTML and in a Markdown table. A note in its footer says nothing of its rows.
    #[test]
    fn an_address_in_a_table_that_speaks_of_the_past_refuses_the_page() {
        let p = "34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74";
        let s = "35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141";
        let refused = |word| Err(NotFound::PastTense("34.240.137.52".into(), word));
        for (table, word) in [
            // A column of the past, with or without an address in it.
            (
                format!(
                    "<thead><tr><th>Environment</th><th>Current</th><th>Previous</th></tr></thead><tr><td>Production</td><td>{p}</td><td>52.18.147.23</td></tr><tr><td>Sandbox</td><td>{s}</td><td></td></tr>"
                ),
                "previous",
            ),
            (
                format!(
                    "<tr><th>Environment</th><th>Current</th><th>Previous</th></tr><tr><td>Production</td><td>{p}</td><td></td></tr><tr><td>Sandbox</td><td>{s}</td><td></td></tr>"
                ),
                "previous",
            ),
            // Two header rows; a title row over the header.
            (
                format!(
                    "<thead><tr><th rowspan=2>Environment</th><th colspan=2>Source addresses</th></tr><tr><th>Current</th><th>Retired</th></tr></thead><tr><td>Production</td><td>{p}</td><td>52.18.147.23</td></tr><tr><td>Sandbox</td><td>{s}</td><td></td></tr>"
                ),
                "retired",
            ),
            (
                format!(
                    "<tr><td colspan=3>Callback sources</td></tr><tr><td>Environment</td><td>Now</td><td>Old</td></tr><tr><td>Production</td><td>{p}</td><td>52.18.147.23</td></tr><tr><td>Sandbox</td><td>{s}</td><td></td></tr>"
                ),
                "old",
            ),
            // A hidden row whose cells shift the next row's across, and a header written in
            // the body after an empty `<thead>`.
            (
                format!(
                    "<tr><th>Environment</th><th>Current</th><th>Previous</th></tr><tr style=\"opacity:0\"><td rowspan=2>&nbsp;</td><td></td><td></td></tr><tr><td>Production: {p}</td><td>52.18.147.23</td></tr><tr><td>Sandbox</td><td>{s}</td></tr>"
                ),
                "previous",
            ),
            (
                format!(
                    "<thead></thead><tbody><tr><td>Environment</td><td>Current</td><td>Previous</td></tr><tr><td>Production</td><td>{p}</td><td>52.18.147.23</td></tr></tbody><thead><tr><td>Env</td><td>Addresses</td><td></td></tr></thead><tr><td>Sandbox</td><td>{s}</td><td></td></tr>"
                ),
                "previous",
            ),
        ] {
            let page =
                format!("<!doctype html><h2>Callback IP addresses</h2><table>{table}</table>");
            assert_eq!(Published::from_page(&page), refused(word), "{page}");
        }
        let footer = format!(
            "<!doctype html><table><tfoot><tr><th colspan=\"2\">Addresses removed in 2024 are in the changelog.</th></tr></tfoot><tbody><tr><td>Production</td><td>{p}</td></tr><tr><td>Sandbox</td><td>{s}</td></tr></tbody></table>"
        );
        assert!(Published::from_page(&footer).is_ok(), "{footer}");
        let current = format!(
            "<!doctype html><table><tr><th>Environment</th><th>IP addresses used to send callbacks</th></tr><tr><td>Production</td><td>{p}</td></tr><tr><td>Sandbox</td><td>{s}</td></tr></table>"
        );
        assert!(Published::from_page(&current).is_ok(), "{current}");
        // A column's style may hide cells wherever they are written.
        let collapsed = current.replace(
            "<table>",
            "<table><col><col><col style=\"visibility:collapse\">",
        );
        assert_eq!(
            Published::from_page(&collapsed),
            Err(NotFound::DoubtfulStyle(
                "Production".into(),
                "a column's style (<col>, <colgroup>)".into()
            ))
        );

        let markdown = |old: &str| {
            format!(
                "## Callback IP addresses\n\n| Environment | Current | Previous |\n|---|:---:|---|\n| Production | {p} | {old} |\n| Sandbox | {s} | |\n"
            )
        };
        let retired = markdown("52.18.147.23");
        // Without leading and trailing `|`s; in a quote, a list's item, or a quote in a list's
        // item; with more cells than the header, an escaped `|`, or a row starting `#1` (no
        // heading).
        let bare = retired
            .lines()
            .map(|line| line.trim_matches(|c| c == '|' || c == ' '))
            .collect::<Vec<_>>()
            .join("\n");
        let quoted = retired.replace("\n|", "\n> |");
        let listed = retired
            .replacen("\n| Env", "\n- | Env", 1)
            .replace("\n|", "\n  |");
        let quoted_in_item = retired
            .replacen("\n| Env", "\n- > | Env", 1)
            .replace("\n|", "\n  > |");
        let extra_cells =
            markdown("").replacen(&format!("{p} |  |"), &format!("{p} |  | 52.18.147.23 |"), 1);
        let escaped = retired.replace("| Production |", "| Production \\\\| |");
        let numbered = retired.replace("| Production |", "#1 Production |");
        for page in [
            &markdown(""),
            &retired,
            &bare,
            &quoted,
            &listed,
            &quoted_in_item,
            &numbered,
        ] {
            assert_eq!(Published::from_page(page), refused("previous"), "{page}");
        }
        // A row with more cells than the header (GitHub drops the rest, so where its addresses
        // show is not certain), even with no word of the past.
        let current_only = extra_cells
            .replace(" Previous |", "")
            .replace("|---|:---:|---|", "|---|:---:|");
        for page in [&extra_cells, &escaped, &current_only] {
            assert_eq!(
                Published::from_page(page),
                Err(NotFound::DoubtfulStyle(
                    "Production".into(),
                    "a Markdown table's row with more cells than its header".into()
                )),
                "{page}"
            );
        }
        let unpiped = format!(
            "## Production\n\n| Current | Retired |\n|---|---|\n| 34.240.137.52 | |\n44.230.128.108\n52.36.32.43\n52.213.46.74 | 52.18.147.23\n\n## Sandbox\n\n{s}\n"
        );
        assert_eq!(
            Published::from_page(&unpiped),
            refused("retired"),
            "{unpiped}"
        );
    }

    /// In a text copy, a line underlined with `===` or `---` is a heading (as Markdown writes
    /// one), whose words speak for the addresses under it; a line of dashes under an address is
    /// a rule, and the address stays in its list.
    #[test]
    fn an_underlined_line_is_a_heading() {
        let sandbox =
            "Sandbox\n=======\n35.166.227.53\n44.246.19.66\n54.246.37.255\n99.81.237.141\n";
        let retired = format!(
            "Production\n==========\n34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74\n\nRetired\n-------\nProduction: 52.18.147.23\n\n{sandbox}"
        );
        assert_eq!(
            Published::from_page(&retired),
            Err(NotFound::PastTense("52.18.147.23".into(), "retired"))
        );
        let ruled = format!(
            "Production\n34.240.137.52\n44.230.128.108\n52.36.32.43\n52.213.46.74\n-------------\n{sandbox}"
        );
        let found = Published::from_page(&ruled).unwrap();
        assert_eq!((found.production.len(), found.sandbox.len()), (4, 4));
    }

    /// A style whose effect this reading cannot be sure of refuses the page when an address or
    /// an environment's name stands inside it, and changes nothing elsewhere.
    #[test]
    fn a_style_that_may_hide_refuses_what_stands_inside_it() {
        for (doubtful, declaration) in [
            (
                r#"<span style="opacity:var(--o)">, 6.6.6.6</span>"#,
                "opacity: var(--o)",
            ),
            (
                r#"<span style="opacity:0.01">, 6.6.6.6</span>"#,
                "opacity: 0.01",
            ),
            (
                r#"<span style="font-size:calc(0px)">, 6.6.6.6</span>"#,
                "font-size: calc(0px)",
            ),
            (
                r#"<span style="opacit\79:0">, 6.6.6.6</span>"#,
                "style=\"opacit\\79:0\"",
            ),
            (
                r#"<span style="visibility:hidden">, <b style="visibility:visible">6.6.6.6</b></span>"#,
                "visibility: hidden, set again inside",
            ),
            (
                r#"<span style="font-size:0">, <b style="font-size:16px">6.6.6.6</b></span>"#,
                "font-size: 0, set again inside",
            ),
            (
                r#"<span style="font-size:0">, <span style="font:14px Arial">6.6.6.6</span></span>"#,
                "font-size: 0, set again inside",
            ),
            (
                r#"<span style="visibility:hidden">, <b style="&#118;isibility:visible">6.6.6.6</b></span>"#,
                "visibility: hidden, set again inside",
            ),
            (
                r#"<span style="visibility:hidden">, <b style="visibilit\79:visible">6.6.6.6</b></span>"#,
                "style=\"visibilit\\79:visible\"",
            ),
        ] {
            assert_refused_as_doubtful(doubtful, declaration);
        }
        let named = TABLE.replace(
            "<td><strong>Sandbox</strong></td>",
            r#"<td><strong style="opacity:var(--o)">Sandbox</strong></td>"#,
        );
        assert!(matches!(
            Published::from_page(&named),
            Err(NotFound::DoubtfulStyle(..))
        ));
        let elsewhere = TABLE.replace(
            "<h2>API keys</h2>",
            r#"<h2 style="opacity:var(--o)">API keys</h2><p style="font-size:calc(1em + 1px)">Version 2</p>"#,
        );
        let found = Published::from_page(&elsewhere).unwrap();
        assert_eq!(found.compare(&Allowlist::built_in(None)), (vec![], vec![]));
    }

    /// An IPv6 address in a list is a source like any other: taken, never passed over.
    #[test]
    fn an_ipv6_address_in_a_list_is_taken() {
        let page = "Production: 34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74\nSandbox: 35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141, 2600:1F18::1 (updated 10:30:00)\n";
        let found = Published::from_page(page).unwrap();
        let (added, removed) = found.compare(&Allowlist::built_in(None));
        assert_eq!(
            (added, removed),
            (vec!["2600:1f18::1/128 (sandbox)".to_owned()], vec![])
        );
        assert!(
            found
                .to_allowlist_file("page", "now")
                .contains("2600:1f18::1/128     sandbox\n")
        );
        for ambiguous in [
            "2600:1f18::/32",
            "::99.81.237.142",
            "fe80::1%eth0",
            "2600:1f18::1-2600:1f18::5",
        ] {
            assert_eq!(
                Published::from_page(&page.replace("2600:1F18::1", ambiguous)),
                Err(NotFound::Ambiguous(Environment::Sandbox, ambiguous.into())),
            );
        }
        // `::` alone is no address: a word in a sentence, not a list's item.
        let found = Published::from_page(&page.replace("2600:1F18::1", "::")).unwrap();
        assert_eq!(found.sandbox.len(), 4);
        let mapped = page.replace("2600:1F18::1", "::FFFF:99.81.237.142");
        let found = Published::from_page(&mapped).unwrap();
        assert!(found.sandbox.contains(&IpAddr::from([99, 81, 237, 142])));
        let network = page.replace("2600:1F18::1", "2600:1f18::/32");
        assert!(matches!(
            Published::from_page(&network),
            Err(NotFound::Ambiguous(Environment::Sandbox, _))
        ));
    }

    /// Pages written in other shapes: read right where a reader can tell, refused where the
    /// environment of an address is not certain, never a list with a wrong or a missing address.
    #[test]
    fn pages_of_other_shapes_are_read_right_or_refused() {
        let built_in = Allowlist::built_in(None);
        const PROD: &str = "34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74";
        const SAND: &str = "35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141";
        let lists = format!(
            "<p>Production:</p><ul><li>{}</li></ul><p>Sandbox:</p><ul><li>{}</li></ul>",
            PROD.replace(", ", "</li><li>"),
            SAND.replace(", ", "</li><li>")
        );
        // Read as the built-in list: nothing more, nothing less.
        for page in [
            // A loose list in a text copy: blank lines between the items.
            format!(
                "For Production callbacks:\n\n  \u{2022} {}\n\nFor Sandbox callbacks:\n\n  \u{2022} {}\n",
                PROD.replace(", ", "\n\n  \u{2022} "),
                SAND.replace(", ", "\n\n  \u{2022} ")
            ),
            format!(
                "{lists}<p>To test your firewall, send a request from:</p><ul><li>1.2.3.4</li></ul>"
            ),
            format!("{lists}<p>Our live chat loads from:</p><ul><li>1.2.3.4</li></ul>"),
            format!("{lists}<p>Non-production callbacks:</p><ul><li>1.2.3.4</li></ul>"),
            lists.replace("<li>52.36.32.43", "<li><del>1.2.3.4</del> 52.36.32.43"),
            lists.replace(
                "<ul>",
                "<ul><li hidden>1.2.3.4</li><template><li>1.2.3.5</li></template>",
            ),
            lists.replace("</ul>", "<li style=\"display: none\">1.2.3.4</li></ul>"),
            lists.replace(
                "34.240.137.52",
                "34&#X2E;240&lrm;.137.52<script >x()</script >",
            ),
            lists.replace(
                "34.240.137.52",
                "&#51&#52;.240.137.52<span title=\"a>1.2.3.4\"></span>",
            ),
            lists.replace("34.240.137.52", "34.240.137.52<!-- old --!>"),
            format!("Production:\n- [{PROD}](http://1.2.3.4/)\nSandbox:\n- {SAND}\n")
                .replace("34.240.137.52", "34\\.240\\.137\\.52"),
        ] {
            let found = Published::from_page(&page).unwrap_or_else(|e| panic!("{e}: {page}"));
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{page}");
        }
        // The environment of an address is not certain: refused.
        let rows = |first: &str| {
            format!(
                "<table><tr><th>IP address</th><th>Environment</th></tr>{first}<tr><td>44.230.128.108</td><td>Production</td></tr></table>"
            )
        };
        for page in [
            rows("<tr><td>34.240.137.52</td><td>Production</td></tr>"),
            format!("Production: {PROD}\nSandbox: {SAND}\n34.240.137.52 (Production)\n"),
            format!(
                "{lists}<p>Both Production and Sandbox callbacks may also come from 1.2.3.4.</p>"
            ),
            format!("Production:\n- 34.240.137\n- 44.230.128.108\nSandbox: {SAND}\n"),
        ] {
            assert!(
                matches!(
                    Published::from_page(&page),
                    Err(NotFound::NameAfterAddress(_)
                        | NotFound::BothNamed(_)
                        | NotFound::Ambiguous(..))
                ),
                "{page}: {:?}",
                Published::from_page(&page)
            );
        }
    }

    #[test]
    fn plain_text_and_markdown_too() {
        let text = "| environment | addresses |\n|---|---|\n| Production | 34.240.137.52, 44.230.128.108 |\n| Sandbox | 35.166.227.53 |\n";
        let found = Published::from_page(text).unwrap();
        assert_eq!(found.production.len(), 2);
        assert_eq!(found.sandbox.len(), 1);
        let file = found.to_allowlist_file("saved.html", "2027-01-01T00:00:00Z");
        let list = Allowlist::parse_file(&file, "f".into(), "d".into()).unwrap();
        assert_eq!(list.entries().len(), 3);
        let (added, removed) = found.compare(&Allowlist::built_in(None));
        assert!(added.is_empty());
        assert_eq!(removed.len(), 5);
    }

    /// An address in the block after the list, however near, is no callback source.
    #[test]
    fn an_address_after_the_list_ends_is_not_taken() {
        let built_in = Allowlist::built_in(None);
        let close = |page: &str| {
            let found = Published::from_page(page).unwrap();
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{page}");
        };
        close(&TABLE.replace(
            "</table><p>Version",
            "</table><p>Our status page is at 9.9.9.9.</p><p>Version",
        ));
        close(
            "<h3>Production</h3><ul><li>34.240.137.52</li><li>44.230.128.108</li><li>52.36.32.43</li>\
             <li>52.213.46.74</li></ul> Status: 9.9.9.9 <h3>Sandbox</h3><p>35.166.227.53</p>\
             <p>44.246.19.66</p><p>54.246.37.255</p><p>99.81.237.141</p><h3>Status</h3>8.8.8.8",
        );
        // A name in a heading of its own, its addresses in the block after it.
        close(
            "## Production\n\n- 34.240.137.52\n- 44.230.128.108\n- 52.36.32.43\n- 52.213.46.74\n\n\
             ## Sandbox\n\n- 35.166.227.53\n- 44.246.19.66\n- 54.246.37.255\n- 99.81.237.141\n\n\
             Status page: 9.9.9.9\n",
        );
        close(
            "<h3>Production</h3><ul><li>34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74</li></ul>\
             <h3>Sandbox</h3><ul><li>35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141</li></ul>",
        );
        close(
            "Production: 34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74\n\
             Sandbox: 35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141\n\
             \n\
             Status page: 9.9.9.9\n",
        );
    }

    /// A text copy's lines end with LF, CR LF or a lone CR, and read the same.
    #[test]
    fn lines_end_however_the_copy_ends_them() {
        let page = "## Production\n\n- 34.240.137.52\n- 44.230.128.108\n- 52.36.32.43\n\
                    - 52.213.46.74\n\n## Sandbox\n\n- 35.166.227.53\n- 44.246.19.66\n\
                    - 54.246.37.255\n- 99.81.237.141\n\nStatus page: 9.9.9.9\n";
        let built_in = Allowlist::built_in(None);
        for end in ["\n", "\r\n", "\r"] {
            let copy = page.replace('\n', end);
            let found = Published::from_page(&copy);
            assert_eq!(
                found.map(|f| f.compare(&built_in)),
                Ok((vec![], vec![])),
                "{copy:?}"
            );
        }
    }

    /// Characters of more than one byte (a dash, a curly quote) before a word are read past,
    /// not split.
    #[test]
    fn characters_of_several_bytes_are_read_past() {
        let found = Published::from_page(
            "Production — 34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74 ’\n\
             Sandbox — 35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141 é\n",
        )
        .unwrap();
        assert_eq!(found.compare(&Allowlist::built_in(None)), (vec![], vec![]));
    }

    #[test]
    fn no_list_or_half_a_list_is_refused() {
        assert_eq!(
            Published::from_page("<p>No addresses here, Production or Sandbox.</p>"),
            Err(NotFound::Nothing)
        );
        assert_eq!(
            Published::from_page("Production: 34.240.137.52, 44.230.128.108"),
            Err(NotFound::Half(Environment::Sandbox))
        );
        // Numbers that are not addresses near a name (a version, a year, a count) are no list.
        assert_eq!(
            Published::from_page("Production 2.4 since 2025 Sandbox 1.1.1 of 8"),
            Err(NotFound::Nothing)
        );
    }

    /// An address of a list written so that parsers disagree on it (a leading zero, a part over
    /// 255, or a short form among addresses) is neither dropped nor guessed: no list is taken.
    #[test]
    fn an_address_written_ambiguously_in_a_list_refuses_the_page() {
        for (from, to) in [
            ("52.36.32.43", "052.36.32.43"),
            ("52.36.32.43", "52.36.32"),
            ("54.246.37.255", "54.246.37.256"),
            ("52.36.32.43", "0x34.36.32.43"),
            ("52.36.32.43", "52.36.32.43.5"),
            ("52.36.32.43", "52.36.32.0/24"),
            ("52.36.32.43", "52.36.32.43-45"),
            ("52.36.32.43", "52.36.32.43\u{2013}45"),
            ("52.36.32.43", "52.36.32.43&ndash;45"),
            ("52.36.32.43", "52.36.32.43 - 45"),
            ("52.36.32.43", "52.36.32.43 \u{2014} 52.36.32.45"),
            ("52.36.32.43", "52.36.32.43 to 52.36.32.45"),
            ("52.36.32.43", "52.36.32.0 /24"),
            ("52.36.32.43", "52.36.32.0&#47;24"),
            ("52.36.32.43", "52.36.32.*"),
            ("52.36.32.43", "52.36.32.x"),
            ("52.36.32.43", "52.36.32.xxx"),
            ("52.36.32.43", "52.36.32.0/24."),
            ("52.36.32.43", "52.36.32.43\u{a0}\u{2013}\u{a0}45"),
        ] {
            let page = TABLE.replace(from, to);
            let env = if from.starts_with("52") {
                Environment::Production
            } else {
                Environment::Sandbox
            };
            // Named as the page's text reads, entities decoded, without a sentence's full stop.
            let named = to
                .replace("&ndash;", "\u{2013}")
                .replace("&#47;", "/")
                .trim_end_matches('.')
                .to_owned();
            assert_eq!(
                Published::from_page(&page),
                Err(NotFound::Ambiguous(env, named)),
                "{to}"
            );
        }
        // Numbers in words near a list are no addresses at all.
        let built_in = Allowlist::built_in(None);
        for page in [
            "Production: 34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74\n\
             Sandbox: 35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141\n\
             Requires TLS 1.2 or later.\n"
                .to_owned(),
            TABLE.replace(
                "99.81.237.141</td>",
                "99.81.237.141</td><td>99.9% uptime</td>",
            ),
            // Words after a dash, and two addresses with a slash between them.
            TABLE.replace(
                "52.36.32.43, 52.213.46.74",
                "52.36.32.43 - primary, 52.213.46.74",
            ),
            TABLE.replace("52.36.32.43, 52.213.46.74", "52.36.32.43 / 52.213.46.74"),
            TABLE.replace(
                "<h2>API keys</h2>",
                "<h2>API keys</h2><p>Test with Node 18.x or TLS 1.x.</p>",
            ),
        ] {
            let found = Published::from_page(&page).unwrap();
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{page}");
        }
    }

    /// An environment named in a sentence names no list past the next heading, nor (in a text
    /// copy) past a second blank line: a status page's address further on is not taken.
    #[test]
    fn a_name_in_a_sentence_does_not_reach_past_the_next_heading() {
        let built_in = Allowlist::built_in(None);
        for page in [
            TABLE.replace(
                "</table><p>Version",
                "</table><p>A Sandbox key never signs a Production callback.</p><h2>Certifications</h2><footer>Status page: 203.0.113.5</footer><p>Version",
            ),
            "Production: 34.240.137.52, 44.230.128.108, 52.36.32.43, 52.213.46.74\n\n\
             Sandbox: 35.166.227.53, 44.246.19.66, 54.246.37.255, 99.81.237.141\n\n\
             Sandbox keys do not work in Live.\n\nCertifications\n\nSupport: 203.0.113.5\n"
                .to_owned(),
            "## Production\n\n- 34.240.137.52\n- 44.230.128.108\n- 52.36.32.43\n- 52.213.46.74\n\n\
             ## Sandbox\n\n- 35.166.227.53\n- 44.246.19.66\n- 54.246.37.255\n- 99.81.237.141\n\n\
             Live and Test keys differ.\n## Support\n203.0.113.5\n"
                .to_owned(),
        ] {
            let found = Published::from_page(&page).unwrap();
            assert_eq!(found.compare(&built_in), (vec![], vec![]), "{page}");
        }
    }
}
