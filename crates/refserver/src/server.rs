//! The HTTP server: routes, shared state, start and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::family::Api;
use crate::api::params::Params;
use crate::api::reply::Reply;
use crate::api::{self, Context, Request};
use crate::catalog::Catalog;
use crate::fault::behaviour::Behaviour;
use crate::fault::defect::Transport;
use crate::fault::Active;
use crate::listing::view::Viewer;
use crate::tenancy::{self, Asked, Identity, Tenant};
use crate::transport::{self, Listener};
use crate::{Config, Error};

/// The largest catalogue `start` accepts.
pub(crate) const MAX_IMAGES: usize = 1_000_000;

/// How long `shutdown` waits for in-flight exchanges before aborting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) type SharedState = Arc<Shared>;

/// What every request handler reads.
pub(crate) struct Shared {
    catalog: Catalog,
    behaviours: Vec<(Api, Behaviour)>,
    base_url: String,
    project_id: String,
    /// Tenancy mode's identities; empty when tenancy is off.
    tenants: Vec<Tenant>,
}

/// A server started by [`crate::start`].
#[derive(Debug)]
pub struct Running {
    url: String,
    project_id: String,
    identities: Vec<Identity>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The hex project id `/v2.1/{project_id}/images/detail` accepts.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The identities whose tokens the server accepts: alice (the project of
    /// [`Running::project_id`]), bob (another project) and an administrator; empty unless
    /// started with [`crate::Config::tenancy`].
    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    /// Stops accepting, lets in-flight exchanges finish (hanging and trickling ones are ended),
    /// and aborts whatever is left after a few seconds.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A server dropped without `shutdown` still stops serving.
        self.stop.send_replace(true);
    }
}

pub(crate) async fn start(config: Config, port: u16) -> Result<Running, Error> {
    if config.images > MAX_IMAGES {
        return Err(Error::TooManyImages { requested: config.images, max: MAX_IMAGES });
    }
    let active = Active::resolve(&config.faults)?;
    if let (false, Some(fault)) = (config.tenancy, active.needing_tenancy()) {
        return Err(Error::FaultNeedsTenancy { fault: fault.to_owned() });
    }
    let inner = TcpListener::bind(("127.0.0.1", port)).await.map_err(Error::Bind)?;
    let addr = inner.local_addr().map_err(Error::Bind)?;
    let (images, seed) = (config.images, config.seed);
    // Building a million-image catalogue takes a few seconds of CPU: keep it off the runtime's workers.
    let catalog = match tokio::task::spawn_blocking(move || Catalog::build(images, seed)).await {
        Ok(catalog) => catalog,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let (stop, shutdown) = watch::channel(false);
    let transport: Vec<Transport> = active.transport().collect();
    let url = format!("http://{addr}");
    let project_id = crate::catalog::generate::project_id(seed);
    let tenants = if config.tenancy { tenancy::identities(seed, config.aksk.clone()) } else { Vec::new() };
    let identities = tenants.iter().map(|tenant| tenant.identity.clone()).collect();
    let shared = Arc::new(Shared {
        catalog,
        behaviours: Api::ALL.into_iter().map(|api| (api, Behaviour::new(active.for_api(api)))).collect(),
        base_url: url.clone(),
        project_id: project_id.clone(),
        tenants,
    });
    let mut app = Router::new()
        .route("/v2/cloudimages", get(cloudimages))
        .route("/v2.1/{project_id}/images/detail", get(nova))
        .route("/v1.1/images/detail", get(glance_v1))
        .route("/v2/images", get(glance_v2))
        .route("/", get(|State(s): State<SharedState>| async move { into_response(api::versions::root(&s.base_url)) }))
        .route("/v2", get(image_version))
        .route("/v2/", get(image_version))
        .route("/v2.1", get(compute_version))
        .route("/v2.1/", get(compute_version))
        .route("/v2.1/{project_id}", get(compute_version));
    if transport::needs_edge(&transport) {
        // Only when needed: the clean server's hot path stays one handler call.
        let edge = Arc::new(transport::Edge::new(transport.clone(), shutdown.clone()));
        app = app.layer(axum::middleware::from_fn_with_state(edge, transport::edge));
    }
    let mut app = app.with_state(shared);
    if let (Some(keys), false) = (config.aksk, config.tenancy) {
        // Outermost: an unsigned request meets no fault and no endpoint.
        app = app.layer(axum::middleware::from_fn_with_state(Arc::new(keys), crate::signature::verify));
    }
    let listener = Listener { inner, reset: transport.contains(&Transport::Reset) };
    let mut signal = shutdown;
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = signal.wait_for(|stopping| *stopping).await;
    });
    let task = tokio::spawn(async move {
        let _ = server.await;
    });
    Ok(Running { url, project_id, identities, stop, task: Some(task) })
}

async fn cloudimages(State(s): State<SharedState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, Api::Cloudimages, &Asked { method, uri, headers }, None)
}

async fn nova(State(s): State<SharedState>, Path(project): Path<String>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, Api::Nova, &Asked { method, uri, headers }, Some(&project))
}

async fn glance_v1(State(s): State<SharedState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, Api::GlanceV1, &Asked { method, uri, headers }, None)
}

async fn glance_v2(State(s): State<SharedState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, Api::GlanceV2, &Asked { method, uri, headers }, None)
}

async fn image_version(State(s): State<SharedState>) -> Response {
    into_response(api::versions::image(&s.base_url))
}

async fn compute_version(State(s): State<SharedState>) -> Response {
    into_response(api::versions::compute(&s.base_url))
}

fn serve(shared: &Shared, api: Api, asked: &Asked, project: Option<&str>) -> Response {
    let behaviour = shared.behaviours.iter().find(|(a, _)| *a == api).map(|(_, b)| b).expect("every api has a behaviour");
    let (viewer, project_id) = if shared.tenants.is_empty() {
        (Viewer::Unrestricted, shared.project_id.as_str())
    } else {
        match tenancy::authenticate(&shared.tenants, asked) {
            Ok(tenant) => (tenant.viewer, tenant.identity.project_id.as_str()),
            // Glance's unauthenticated context is an administrator's.
            Err(_) if behaviour.reading.credentials_ignored => (Viewer::Admin, tenancy::admin(&shared.tenants).project_id.as_str()),
            Err(why) => return into_response(tenancy::unauthorized(api, why)),
        }
    };
    let ctx = Context { catalog: &shared.catalog, behaviour, base_url: &shared.base_url, project_id, viewer };
    let accept = asked.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let accept_json = accept.is_some_and(|accept| accept.contains("application/json"));
    let req = Request { params: Params::parse(asked.uri.query()), accept_json, project };
    into_response(api::respond(api, &ctx, &req))
}

fn into_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(reply.content_type))], reply.body).into_response()
}
