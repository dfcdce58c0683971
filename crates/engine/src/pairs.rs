//! The pairs of the command line: `KEY=VALUE` (`--var`, `--secret-var`, `--map-path`) and
//! `Name: value` (`--header`). A bottom module, so that every layer that reads them (the CLI,
//! the logins) parses them one way.

/// `KEY=VALUE` → (KEY, VALUE).
pub fn key_value(s: &str, what: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{what} `{s}` is not KEY=VALUE")),
    }
}

/// `Name: value` → (Name, value).
pub fn header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() && !k.contains(char::is_whitespace) => Ok((k.trim().to_string(), v.trim().to_string())),
        // Only the first word is echoed: the rest may be a credential.
        _ => Err(format!("--header `{} …` is not 'Name: value'", s.split(|c: char| c == ':' || c.is_whitespace()).next().unwrap_or(""))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_var_parsing() {
        assert_eq!(header("X-Roles: admin,member").unwrap(), ("X-Roles".into(), "admin,member".into()));
        assert!(header("no colon").is_err());
        assert_eq!(key_value("project_id=abc=d", "--var").unwrap(), ("project_id".into(), "abc=d".into()));
        assert!(key_value("=x", "--var").is_err());
    }

    #[test]
    fn header_error_never_echoes_the_value() {
        let e = header("Authorization Bearer s3cret").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(e.contains("Authorization"), "{e}");
    }
}
