//! Query strings: decoded pairs in order, repeated keys kept (`tag=a&tag=b`).

/// The decoded query parameters of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Params {
        let pairs = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        Params { pairs }
    }

    /// The first value of a key.
    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// `application/x-www-form-urlencoded`, as Python's `urlencode` writes it (space as `+`,
/// `:` as `%3A`), which is what the upstreams put in their links.
pub(crate) fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_repeats() {
        let p = Params::parse(Some("tag=a&limit=2&tag=b%3Dc&name=CentOS+7.3"));
        assert_eq!(p.get("limit"), Some("2"));
        let tags: Vec<&str> = p.pairs().iter().filter(|(k, _)| k == "tag").map(|(_, v)| v.as_str()).collect();
        assert_eq!(tags, ["a", "b=c"]);
        assert_eq!(p.get("name"), Some("CentOS 7.3"));
        assert_eq!(p.get("marker"), None);
        assert!(Params::parse(None).pairs().is_empty());
    }

    #[test]
    fn encodes_like_python_urlencode() {
        assert_eq!(encode([("created_at", "gt:2020-01-01T00:00:00Z"), ("limit", "2")]), "created_at=gt%3A2020-01-01T00%3A00%3A00Z&limit=2");
        assert_eq!(encode([("name", "db+cache x")]), "name=db%2Bcache+x");
    }
}
