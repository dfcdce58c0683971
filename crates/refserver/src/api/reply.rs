//! Responses as plain data (status, content type, body) and the families' error bodies.
//!
//! Keeping HTTP types out of the endpoint code lets it be tested without a server.

use super::json::JsonOut;

pub(crate) const JSON: &str = "application/json";
pub(crate) const JSON_UTF8: &str = "application/json; charset=UTF-8";
pub(crate) const HTML: &str = "text/html; charset=UTF-8";

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
}

/// Why a request is refused with 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The IMS error code (`IMG.0001`); the other families have none.
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Rejection {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection { code, message: message.into() }
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

/// IMS: `{"error": {"code": "IMG.0001", "message": "..."}}`.
pub(crate) fn ims_error(code: &str, message: &str) -> String {
    let mut out = JsonOut::with_capacity(128);
    out.begin_object();
    out.key("error");
    out.begin_object();
    out.field_str("code", code);
    out.field_str("message", message);
    out.end_object();
    out.end_object();
    out.finish()
}

/// Nova: `{"badRequest": {"code": 400, "message": "..."}}`.
pub(crate) fn nova_error(status: u16, message: &str) -> String {
    let fault = match status {
        400 => "badRequest",
        404 => "itemNotFound",
        413 | 429 => "overLimit",
        _ => "computeFault",
    };
    let mut out = JsonOut::with_capacity(128);
    out.begin_object();
    out.key(fault);
    out.begin_object();
    out.field_uint("code", u64::from(status));
    out.field_str("message", message);
    out.end_object();
    out.end_object();
    out.finish()
}

/// Huawei Cloud's API gateway refusing a request IAM did not authenticate (401):
/// `{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: ..."}`.
pub(crate) fn apigw_unauthorized(why: &str) -> String {
    let mut out = JsonOut::with_capacity(128);
    out.begin_object();
    out.field_str("error_code", "APIGW.0301");
    out.field_str("error_msg", &format!("Incorrect IAM authentication information: {why}"));
    out.field_str("request_id", "0a1b2c3d4e5f");
    out.end_object();
    out.finish()
}

/// keystonemiddleware refusing a request without a valid token (401), in front of Nova and
/// Glance alike.
pub(crate) fn keystone_unauthorized() -> String {
    let mut out = JsonOut::with_capacity(128);
    out.begin_object();
    out.key("error");
    out.begin_object();
    out.field_uint("code", 401);
    out.field_str("title", "Unauthorized");
    out.field_str("message", "The request you have made requires authentication.");
    out.end_object();
    out.end_object();
    out.finish()
}

/// Glance (webob) with `Accept: application/json`: the explanation keeps webob's HTML tail.
pub(crate) fn webob_json(status: u16, message: &str) -> String {
    let mut out = JsonOut::with_capacity(160);
    out.begin_object();
    out.field_str("message", &format!("{message}<br /><br />\n\n\n"));
    out.field_str("code", &format!("{status} {}", reason(status)));
    out.field_str("title", reason(status));
    out.end_object();
    out.finish()
}

/// Glance (webob) by default, and any family under the HTML-error fault.
pub(crate) fn webob_html(status: u16, message: &str) -> String {
    let title = format!("{status} {}", reason(status));
    let message = html_escape(message);
    format!(
        "<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webob_bodies_match_the_captured_glance_responses() {
        // captures/glance-v2-images-bad-marker-html.http: Content-Length 153.
        let html = webob_html(400, "No image found with ID nope");
        assert_eq!(html.len(), 153);
        assert!(html.contains("<h1>400 Bad Request</h1>\n  No image found with ID nope<br /><br />"));
        // captures/glance-v2-images-bad-marker-json.http
        assert_eq!(
            webob_json(400, "No image found with ID nope"),
            r#"{"message":"No image found with ID nope<br /><br />\n\n\n","code":"400 Bad Request","title":"Bad Request"}"#
        );
    }

    #[test]
    fn family_error_shapes() {
        let ims: serde_json::Value = serde_json::from_str(&ims_error("IMG.0001", "bad")).unwrap();
        assert_eq!(ims["error"]["code"], "IMG.0001");
        let nova: serde_json::Value = serde_json::from_str(&nova_error(400, "bad")).unwrap();
        assert_eq!(nova["badRequest"]["code"], 400);
        assert_eq!(nova["badRequest"]["message"], "bad");
        assert!(webob_html(400, "<b>").contains("&lt;b&gt;"));
    }
}
