//! Quoting for a POSIX shell: every value printed for a shell to read (`sign --format env`, the
//! iptables snippet, a command suggested in a hint) is quoted here, so that a name holding a
//! space, a quote or `$(...)` is read as the one word it is and never run.

use std::borrow::Cow;

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

#[cfg(test)]
mod tests {
    use super::{quote, word};

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
}
