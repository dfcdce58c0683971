//! The endpoints: each parses its family's query into a [`Listing`], selects a page and renders
//! it in its family's shape. Pure functions of the request; HTTP lives in `server`.

pub(crate) mod cloudimages;
pub(crate) mod family;
pub(crate) mod glance_fields;
pub(crate) mod glance_v1;
pub(crate) mod glance_v2;
pub(crate) mod json;
pub(crate) mod nova;
pub(crate) mod params;
pub(crate) mod properties;
pub(crate) mod query;
pub(crate) mod reply;
pub(crate) mod versions;

use crate::catalog::image::Image;
use crate::catalog::order::{Dir, SortKey};
use crate::catalog::Catalog;
use crate::fault::behaviour::Behaviour;
use crate::fault::defect::TimeStyle;
use crate::listing::filter::Filter;
use crate::listing::view::Viewer;
use crate::listing::{select, Listing};
use family::Api;
use params::Params;
use reply::{Rejection, Reply};

/// What an endpoint needs besides the request.
pub(crate) struct Context<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) behaviour: &'a Behaviour,
    /// `http://127.0.0.1:PORT`, for absolute links (Nova).
    pub(crate) base_url: &'a str,
    /// The only project id Nova's path accepts: the caller's.
    pub(crate) project_id: &'a str,
    /// Whose listing this is.
    pub(crate) viewer: Viewer,
}

/// The parts of a request the endpoints look at.
pub(crate) struct Request<'a> {
    pub(crate) params: Params,
    /// `Accept` asks for JSON (Glance answers errors in HTML otherwise).
    pub(crate) accept_json: bool,
    /// The `{project_id}` path segment (Nova only).
    pub(crate) project: Option<&'a str>,
}

/// Answers one request to one endpoint.
pub(crate) fn respond(api: Api, ctx: &Context, req: &Request) -> Reply {
    let parsed = match api {
        Api::Cloudimages => cloudimages::parse(ctx, &req.params),
        Api::Nova => nova::parse(ctx, req),
        Api::GlanceV1 => glance_v1::parse(ctx, &req.params),
        Api::GlanceV2 => glance_v2::parse(ctx, &req.params),
    };
    match parsed {
        Ok(mut listing) => {
            if let Some(param) = ctx.behaviour.reading.view_bypassed_by {
                if req.params.pairs().iter().any(|(k, _)| k == param) {
                    listing.filters.retain(|f| !matches!(f, Filter::View(_)));
                }
            }
            let page = select(ctx.catalog, &listing);
            render(api, ctx, req, &listing, &page)
        }
        Err(rejection) => reject(api, ctx, req, &rejection),
    }
}

fn render(api: Api, ctx: &Context, req: &Request, listing: &Listing, page: &[Image]) -> Reply {
    let (default_type, body) = match api {
        Api::Cloudimages => (reply::JSON, cloudimages::render(ctx, page)),
        Api::Nova => (reply::JSON, nova::render(ctx, req, listing, page)),
        Api::GlanceV1 => (reply::JSON_UTF8, glance_v1::render(ctx, page)),
        Api::GlanceV2 => (reply::JSON, glance_v2::render(ctx, req, listing, page)),
    };
    let content_type = ctx.behaviour.rendering.content_type.unwrap_or(default_type);
    Reply { status: 200, content_type, body }
}

/// The family's error response, as bent by faults.
fn reject(api: Api, ctx: &Context, req: &Request, rejection: &Rejection) -> Reply {
    let rejecting = &ctx.behaviour.rejecting;
    if rejecting.as_empty_list {
        // An empty page is never full, so no next link either.
        let empty = Listing::new(SortKey::CreatedAt, Dir::Desc, 1);
        return render(api, ctx, req, &empty, &[]);
    }
    let status = rejecting.status.unwrap_or(400);
    let message = rejection.message.as_str();
    let (content_type, body) = if rejecting.html {
        (reply::HTML, reply::webob_html(status, message))
    } else {
        match api {
            Api::Cloudimages => (reply::JSON, reply::ims_error(rejection.code, message)),
            Api::Nova => (reply::JSON_UTF8, reply::nova_error(status, message)),
            Api::GlanceV1 | Api::GlanceV2 if req.accept_json => (reply::JSON, reply::webob_json(status, message)),
            Api::GlanceV1 | Api::GlanceV2 => (reply::HTML, reply::webob_html(status, message)),
        }
    };
    Reply { status, content_type, body }
}

/// The family's timestamp format unless a fault changed it.
pub(crate) fn time_style(ctx: &Context, family_default: TimeStyle) -> TimeStyle {
    ctx.behaviour.rendering.time_style.unwrap_or(family_default)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Calling endpoints without a server.
    use super::*;
    use crate::fault::Active;

    pub(crate) struct Fixture {
        pub(crate) catalog: Catalog,
        pub(crate) behaviour: Behaviour,
        pub(crate) viewer: Viewer,
    }

    impl Fixture {
        pub(crate) fn new(api: Api, faults: &[&str]) -> Fixture {
            let names: Vec<String> = faults.iter().map(|f| (*f).to_owned()).collect();
            let active = Active::resolve(&names).unwrap();
            Fixture { catalog: Catalog::build(300, 1), behaviour: Behaviour::new(active.for_api(api)), viewer: Viewer::Unrestricted }
        }

        pub(crate) fn call(&self, api: Api, query: &str) -> Reply {
            self.call_with(api, query, false, None)
        }

        pub(crate) fn call_with(&self, api: Api, query: &str, accept_json: bool, project: Option<&str>) -> Reply {
            let owner = match self.viewer {
                Viewer::Unrestricted => crate::listing::view::CALLER,
                Viewer::Project(owner) => owner,
                Viewer::Admin => 0,
            };
            let project_id = crate::catalog::generate::hex_id(1, owner.into());
            let ctx = Context {
                catalog: &self.catalog,
                behaviour: &self.behaviour,
                base_url: "http://127.0.0.1:9",
                project_id: &project_id,
                viewer: self.viewer,
            };
            let req = Request { params: Params::parse(Some(query)), accept_json, project: Some(project.unwrap_or(&project_id)) };
            respond(api, &ctx, &req)
        }

        pub(crate) fn json(&self, api: Api, query: &str) -> serde_json::Value {
            let reply = self.call(api, query);
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            serde_json::from_str(&reply.body).unwrap()
        }
    }
}
