//! How a request that got no answer is described: the causes of a transport error on one line,
//! for the run's exchanges and for the logins alike.

/// The causes of an error on one line, without the wrappers that only repeat the URL
/// ("tcp connect error: Connection refused (os error 111)").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let t = err.to_string();
        let wrapper = t.starts_with("error sending request")
            || t.starts_with("error decoding response body")
            || t.starts_with("client error (")
            || t.starts_with("request or response body error");
        if !wrapper && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}
