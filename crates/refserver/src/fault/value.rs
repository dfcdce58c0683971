//! The values of the faults that take one after `=`: `*.latency=100ms`, `*.rate=10`.

use std::num::NonZeroU32;

use super::defect::Transport;

/// What a valued fault reads after `=`, and the defect it makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parameter {
    /// A positive duration with its unit (`100ms`, `1.5s`, `1m 30s`, as `--deadline` reads
    /// them): every answer is that late.
    Delay,
    /// A whole, positive number of requests a second: a token bucket over the whole server.
    PerSecond,
}

impl Parameter {
    /// How `--list-faults` names the value.
    pub(crate) fn placeholder(self) -> &'static str {
        match self {
            Parameter::Delay => "DURATION",
            Parameter::PerSecond => "N",
        }
    }

    /// A value that works, for messages and for tests that start every fault.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Parameter::Delay => "100ms",
            Parameter::PerSecond => "10",
        }
    }

    /// What a value must look like, completing "`*.latency` takes ...".
    pub(crate) fn expects(self) -> &'static str {
        match self {
            Parameter::Delay => "a duration like 100ms",
            Parameter::PerSecond => "a whole number of requests a second like 10",
        }
    }

    /// The defect a value asks for; `None` when the value does not read as [`Self::expects`].
    pub(crate) fn parse(self, value: &str) -> Option<Transport> {
        let value = value.trim();
        match self {
            Parameter::Delay => humantime::parse_duration(value).ok().filter(|d| !d.is_zero()).map(Transport::Latency),
            Parameter::PerSecond => value.parse::<NonZeroU32>().ok().map(Transport::Rate),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn durations_need_a_unit_and_a_length() {
        let parse = |v| match Parameter::Delay.parse(v) {
            Some(Transport::Latency(d)) => Some(d),
            _ => None,
        };
        assert_eq!(parse("100ms"), Some(Duration::from_millis(100)));
        assert_eq!(parse(" 2s "), Some(Duration::from_secs(2)));
        assert_eq!(parse("1m 30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Some(Duration::from_millis(1500)));
        // A bare number could mean seconds or milliseconds: the unit is required.
        for bad in ["abc", "100", "", "0ms", "-1s"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rates_are_whole_and_positive() {
        assert_eq!(Parameter::PerSecond.parse("10"), Some(Transport::Rate(NonZeroU32::new(10).unwrap())));
        for bad in ["0", "-3", "2.5", "ten", ""] {
            assert_eq!(Parameter::PerSecond.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_example_parses() {
        for p in [Parameter::Delay, Parameter::PerSecond] {
            assert!(p.parse(p.example()).is_some(), "{p:?}");
        }
    }
}
