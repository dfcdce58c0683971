//! Without tenancy the server answers byte for byte as it did before tenancy existed: the
//! lengths and FNV-1a hashes below were taken from the server of the commit before tenancy
//! (`specgate serve`, seed 1, 300 images), with the server's own URL written as `BASE`.

use specgate_refserver::{start, Config};

/// (request, status, body length, FNV-1a 64 of the body).
const BEFORE_TENANCY: &[(&str, u16, usize, u64)] = &[
    ("/v2/cloudimages?limit=1000", 200, 292677, 0x4c8f87f0c7e66993),
    ("/v2/cloudimages?visibility=shared&member_status=pending&__imagetype=shared", 200, 6256, 0x2ad7f7f4535f3c6f),
    ("/v2/cloudimages?owner={project}&sort_key=name&sort_dir=asc", 200, 121519, 0xee703434906b0ac4),
    ("/v2/cloudimages?marker=nope", 400, 89, 0x17c1ef79411adb17),
    ("/v2.1/{project}/images/detail", 200, 343975, 0x9b1ac7f9804c3850),
    ("/v2.1/{project}/images/detail?limit=5&name=CentOS+7.3+64bit", 200, 6210, 0x260c784c92bea1c4),
    ("/v2.1/ffff/images/detail", 400, 156, 0xde25b0f3578f79a6),
    ("/v1.1/images/detail?limit=1000", 200, 337368, 0xe0bd79ada7a8ae7e),
    ("/v1.1/images/detail?sort_key=size&sort_dir=asc&limit=40", 200, 44214, 0x597d3885e5156d22),
    ("/v2/images?limit=1000", 200, 410632, 0xd1df38dd45ebb0da),
    ("/v2/images?visibility=community&limit=1000", 200, 65705, 0x745151d3019493f5),
    ("/v2/images?visibility=shared&member_status=all&limit=1000", 200, 53056, 0x9dfe1d4add44bf80),
    ("/v2/images?member_status=rejected", 200, 9510, 0x86787b1a4aaad487),
    ("/v2/images?sort=name:asc,size:desc&limit=50", 200, 70412, 0xdd0de7b442745512),
    ("/v2/images?os_hidden=true", 200, 11767, 0x361b7c2c0cc75000),
    ("/v2/images?limit=abc", 400, 156, 0x019f0acd47223be3),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[tokio::test]
async fn without_tenancy_every_listing_answers_as_before_tenancy() {
    let off = start(Config { tenancy: false, ..Config::default() }, 0).await.unwrap();
    let default = start(Config::default(), 0).await.unwrap();
    let client = reqwest::Client::new();
    for (request, status, len, hash) in BEFORE_TENANCY {
        let path = request.replace("{project}", off.project_id());
        let mut bodies = Vec::new();
        for server in [&off, &default] {
            // A token of a tenancy server changes nothing either.
            let response = client.get(format!("{}{path}", server.url())).header("X-Auth-Token", "tok-bob-0").send().await.unwrap();
            assert_eq!(response.status().as_u16(), *status, "{request}");
            let body = response.text().await.unwrap().replace(server.url(), "BASE");
            assert_eq!((body.len(), fnv1a(body.as_bytes())), (*len, *hash), "{request} answers differently than before tenancy");
            bodies.push(body);
        }
        assert_eq!(bodies[0], bodies[1], "{request}: `tenancy: false` is the default");
    }
    off.shutdown().await;
    default.shutdown().await;
}
