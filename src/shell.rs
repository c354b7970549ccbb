//! Quoting for a POSIX shell: every value printed for a shell to read (`sign --format env`, the
//! iptables snippet, a command suggested in a hint) is quoted here, so that a name holding a
//! space, a quote or `$(...)` is read as the one word it is and never run.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::output::needs_escape;

/// `text` in single quotes: `'` becomes `'\''`; nothing inside is special to the shell.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A path as one shell word: as it is when every character means only itself to a shell (the
/// usual file name, so that suggestions stay easy to read), else quoted; one starting with `-`
/// gets `./` before it, which a command reads as a path rather than an option.
pub fn word(text: &str) -> Cow<'_, str> {
    if text.starts_with('-') {
        return Cow::Owned(word(&format!("./{text}")).into_owned());
    }
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+,".contains(&b));
    if plain {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(quote(text))
    }
}

/// The bytes of a path as one shell word that keeps to one line and shows every character it
/// holds, for a command written in a comment: as [`word`] writes it when it is UTF-8 and holds
/// nothing that breaks a line or prints as nothing (see [`crate::output::escape_controls`]);
/// else in `$'...'` quotes (bash, zsh, ksh, BusyBox and POSIX.1-2024 shells), each such byte as a
/// three-digit octal escape, which no next character can lengthen.
pub fn word_on_one_line(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.contains(needs_escape)
    {
        return word(text);
    }
    let mut out = String::from("$'");
    if bytes.first() == Some(&b'-') {
        out.push_str("./");
    }
    let octal = |out: &mut String, b: u8| {
        let _ = write!(out, "\\{b:03o}");
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if needs_escape(c) => {
                    for b in c.encode_utf8(&mut [0; 4]).bytes() {
                        octal(&mut out, b);
                    }
                }
                c => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            octal(&mut out, b);
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{quote, word, word_on_one_line};

    #[test]
    fn quoting() {
        assert_eq!(quote("085"), "'085'");
        assert_eq!(quote("a'b"), r"'a'\''b'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn plain_words_stay_as_they_are() {
        assert_eq!(word("seen.ndjson"), "seen.ndjson");
        assert_eq!(word("./keys/smile-keys.json"), "./keys/smile-keys.json");
        assert_eq!(word("k $(touch PWNED).json"), "'k $(touch PWNED).json'");
        assert_eq!(word("a b"), "'a b'");
        assert_eq!(word("it's"), r"'it'\''s'");
        assert_eq!(word("~root"), "'~root'");
        assert_eq!(word("-k.json"), "./-k.json");
        assert_eq!(word("-k x.json"), "'./-k x.json'");
        assert_eq!(word("*.json"), "'*.json'");
        assert_eq!(word(""), "''");
    }

    /// Whatever the text, a POSIX shell reads the word back as exactly that text.
    #[test]
    fn a_shell_reads_back_the_text() {
        for text in [
            "plain",
            "a b",
            "it's",
            "$(echo x)",
            "`id`",
            "a\"b\\c",
            "new\nline",
            "~",
            "é ü",
            "",
        ] {
            let out = std::process::Command::new("sh")
                .args(["-c", &format!("printf %s {}", word(text))])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), text);
        }
    }

    /// A name with a line break, a control character, an invisible or direction-changing
    /// character, or bytes that are not UTF-8 stays on one line with each shown as an escape,
    /// and bash reads the word back as exactly those bytes.
    #[test]
    fn a_word_on_one_line_reads_back_as_its_bytes() {
        assert_eq!(word_on_one_line(b"list.txt"), "list.txt");
        assert_eq!(word_on_one_line(b"a b;$(id)"), "'a b;$(id)'");
        assert_eq!(word_on_one_line(b"a\nb'c\\"), r"$'a\012b\'c\\'");
        assert_eq!(word_on_one_line(b"-x\n"), r"$'./-x\012'");
        assert_eq!(
            word_on_one_line("a\u{202e}b\u{2028}".as_bytes()),
            r"$'a\342\200\256b\342\200\250'"
        );
        for bytes in [
            &b"plain"[..],
            b"new\nline",
            b"\r\n\t\x1b[2J",
            b"it's \\ $(touch PWNED) `id` \"q\"",
            "\u{202e}\u{200b}\u{feff}\u{85}\u{2029} \u{e9}".as_bytes(),
            b"\xff\xfe not UTF-8 \xc3",
            b"\x01234",
            b"",
        ] {
            let word = word_on_one_line(bytes);
            assert!(!word.contains(['\n', '\r']), "{word}");
            let out = std::process::Command::new("bash")
                .args(["-c", &format!("printf %s {word}")])
                .output()
                .unwrap();
            assert_eq!(out.stdout, bytes, "{word}");
        }
    }
}
