//! The verdict of a whole run and its exit code: 0 every check passed, 1 a check
//! failed, 2 usage error or unreadable input. The worst outcome seen wins.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Outcome {
    /// Every check passed.
    #[default]
    Pass,
    /// A check failed: a bad or stale signature, a denied address, an over-age key.
    Fail,
    /// Input that could not be read or understood.
    Error,
}

impl Outcome {
    /// Combines two outcomes: 2 over 1 over 0.
    #[must_use]
    pub fn worst(self, other: Outcome) -> Outcome {
        self.max(other)
    }

    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Error => 2,
        }
    }

    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_wins() {
        use Outcome::*;
        assert_eq!(Pass.worst(Fail), Fail);
        assert_eq!(Error.worst(Fail), Error);
        assert_eq!(Fail.worst(Pass).worst(Pass), Fail);
        assert_eq!(
            [Pass, Error, Fail]
                .into_iter()
                .fold(Pass, Outcome::worst)
                .code(),
            2
        );
    }
}
