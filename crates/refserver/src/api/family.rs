//! The four endpoint families the server implements.

/// One listing endpoint and the API family whose conventions it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Api {
    /// `GET /v2/cloudimages`, IMS native.
    Cloudimages,
    /// `GET /v2.1/{project_id}/images/detail`, the Nova images proxy.
    Nova,
    /// `GET /v1.1/images/detail`, Glance v1.
    GlanceV1,
    /// `GET /v2/images`, Glance v2.
    GlanceV2,
}

impl Api {
    pub(crate) const ALL: [Api; 4] = [Api::Cloudimages, Api::Nova, Api::GlanceV1, Api::GlanceV2];

    /// The route, as `FaultInfo::endpoint` names it.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Api::Cloudimages => "/v2/cloudimages",
            Api::Nova => "/v2.1/{project_id}/images/detail",
            Api::GlanceV1 => "/v1.1/images/detail",
            Api::GlanceV2 => "/v2/images",
        }
    }

    /// The prefix of this family's fault names.
    #[cfg(test)]
    pub(crate) fn fault_prefix(self) -> &'static str {
        match self {
            Api::Cloudimages => "cloudimages",
            Api::Nova => "nova",
            Api::GlanceV1 => "glance-v1",
            Api::GlanceV2 => "glance",
        }
    }
}
