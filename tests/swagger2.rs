//! Swagger 2.0 import: a hand-written document using each 2.0 construct the upgrade converts,
//! and real Swagger 2.0 originals (tests/fixtures/swagger2, sources in its README) whose
//! imported specs must load.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use specgate::openapi::import::{import, Imported};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("specgate-swagger2-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_all(dir: &Path, imported: &Imported) {
    for (rel, text) in imported.schemas.iter().chain(&imported.specs) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn spec_text<'a>(imported: &'a Imported, name: &str) -> &'a str {
    &imported.specs.iter().find(|(p, _)| p.to_str() == Some(name)).unwrap_or_else(|| panic!("no {name}")).1
}

const PETSTORE: &str = r##"swagger: "2.0"
info: {title: Pets, version: "1"}
host: pets.example.com
basePath: /v1/
schemes: [https, http]
produces: [application/json]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key}
  login: {type: basic}
  oauth: {type: oauth2, flow: accessCode, authorizationUrl: "https://a.example/auth", tokenUrl: "https://a.example/token", scopes: {read: Read}}
parameters:
  Limit: {name: limit, in: query, type: integer, minimum: 1, maximum: 100}
  NewPet: {name: pet, in: body, required: true, schema: {$ref: "#/definitions/Pet"}}
responses:
  Missing: {description: not found, schema: {$ref: "#/definitions/Error"}}
paths:
  /pets:
    get:
      summary: List pets
      parameters:
        - $ref: "#/parameters/Limit"
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
        - {name: kind, in: query, type: string, enum: [cat, dog]}
      responses:
        "200":
          description: pets
          schema: {type: array, items: {$ref: "#/definitions/Pet"}}
          headers:
            X-Total: {type: integer, description: count}
          examples:
            application/json: [{id: 1, name: Rex}]
        "400": {description: bad, schema: {$ref: "#/definitions/Error"}}
    post:
      parameters: [{$ref: "#/parameters/NewPet"}]
      responses: {"201": {description: created}}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, type: string, x-example: p1}
    get:
      security: [{key: []}]
      responses:
        "200": {description: a pet, schema: {$ref: "#/definitions/Pet"}}
        "404": {$ref: "#/responses/Missing"}
  /pets/{petId}/photo:
    put:
      consumes: [multipart/form-data]
      parameters:
        - {name: petId, in: path, required: true, type: string}
        - {name: file, in: formData, type: file, required: true}
        - {name: caption, in: formData, type: string}
      responses: {"204": {description: stored}}
  /pets/{petId}/photo.png:
    get:
      produces: [image/png]
      parameters:
        - {name: petId, in: path, required: true, type: string}
      responses:
        "200": {description: the photo, schema: {type: file}}
definitions:
  Pet:
    type: object
    required: [id]
    discriminator: kind
    properties:
      id: {type: integer, example: 1}
      name: {type: string, x-nullable: true}
      kind: {type: string}
      owner: {$ref: "#/definitions/Owner"}
  Owner: {type: object, properties: {name: {type: string}}}
  Error: {type: object, properties: {message: {type: string}}}
"##;

#[test]
fn a_swagger_2_document_becomes_specs_that_load() {
    let imported =
        import(Path::new("pets.yaml"), PETSTORE).unwrap_or_else(|e| panic!("{}", e.iter().map(|e| e.render()).collect::<String>()));
    let names: Vec<_> = imported.specs.iter().map(|(p, _)| p.display().to_string()).collect();
    assert_eq!(names, ["pets.yaml", "pets-petid.yaml", "pets-petid-photo.png.yaml"], "PUT gets no spec of its own");
    let dir = temp_dir("pets");
    write_all(&dir, &imported);
    let specs = specgate::spec::load_all(std::slice::from_ref(&dir)).unwrap();
    let list = specs.iter().find(|s| s.path.ends_with("/pets.yaml")).unwrap();
    let statuses: Vec<String> = list.file.cases.iter().map(|c| format!("{} {}", c.name.value, c.expect.status.to_json())).collect();
    let shared_bounds = ["ok 200", "bad-limit-below-minimum 400", "bad-limit-above-maximum 400", "bad-kind-not-in-enum 400"];
    assert_eq!(statuses, shared_bounds, "a shared `#/parameters/` entry keeps its bounds");
    let text = spec_text(&imported, "pets.yaml");
    assert!(text.contains("$ref: schemas/Pet.json"), "`#/definitions/Pet` → the Pet schema file: {text}");
    assert!(text.contains("content_type: application/json"), "`produces` → the response's media type: {text}");
    assert!(
        text.contains("# Not imported: POST /pets (pets.yaml § paths./pets.post): its request body cannot be sent"),
        "`in: body` → a request body: {text}"
    );
    let warnings: String = imported.warnings.iter().map(|w| w.render()).collect();
    assert!(
        warnings.contains("PUT /pets/{petId}/photo (pets.yaml § paths./pets/{petId}/photo.put): its request body cannot be sent"),
        "`in: formData` → a request body: {warnings}"
    );
    // The path parameter's `x-example` names the resource.
    let one = specs.iter().find(|s| s.path.ends_with("pets-petid.yaml")).unwrap();
    assert_eq!(one.file.vars["petId"].default.as_deref(), Some("p1"));
    assert!(spec_text(&imported, "pets-petid.yaml").contains("#   404 (paths./pets/{petId}.get.responses.404)"));
    // A file answer: its media type, no JSON schema.
    let photo = specs.iter().find(|s| s.path.ends_with("photo.png.yaml")).unwrap();
    assert_eq!(
        (photo.file.cases[0].expect.content_type.as_deref(), photo.file.cases[0].expect.schema.is_some()),
        (Some("image/png"), false)
    );
    // Definitions in 2020-12 terms: `x-nullable`, `example`, the discriminator name.
    let pet: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("schemas/Pet.json")).unwrap()).unwrap();
    assert_eq!(pet["properties"]["name"], json!({"type": ["string", "null"]}));
    assert_eq!(pet["properties"]["id"], json!({"type": "integer", "examples": [1]}));
    assert_eq!(pet["properties"]["owner"], json!({"$ref": "Owner.json"}));
    assert_eq!(pet["discriminator"], json!({"propertyName": "kind"}));
    assert_eq!(pet["x-doc"], "pets.yaml § components.schemas.Pet");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_collection_format_is_a_located_warning() {
    let doc = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: ids, in: query, type: array, items: {type: string}, collectionFormat: tsv}\n      responses: {'200': {description: ok}}\n";
    let imported = import(Path::new("tsv.yaml"), doc).unwrap();
    let warnings: String = imported.warnings.iter().map(|w| w.render()).collect();
    assert!(warnings.contains("`collectionFormat: tsv` has no OpenAPI 3 equivalent"), "{warnings}");
    assert!(warnings.contains("tsv.yaml:7:"), "located at the parameter's line: {warnings}");
}

#[test]
fn two_body_parameters_are_a_located_error() {
    let doc = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      parameters:\n        - {name: a, in: body, schema: {type: object}}\n        - {name: b, in: body, schema: {type: object}}\n      responses: {'200': {description: ok}}\n";
    let errors: String = import(Path::new("bodies.yaml"), doc).unwrap_err().iter().map(|e| e.render()).collect();
    insta::assert_snapshot!(errors);
}

/// Real Swagger 2.0 documents, as their publishers wrote them: each imports, and every spec
/// and schema it writes loads.
#[test]
fn swagger_2_originals_import_and_their_specs_load() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/swagger2");
    let mut documents: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("json" | "yaml")))
        .collect();
    documents.sort();
    assert!(documents.len() >= 20, "{} documents", documents.len());
    let mut failures = Vec::new();
    let mut total = 0;
    for doc in &documents {
        let name = doc.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(doc).unwrap();
        let imported = match import(doc, &source) {
            Ok(i) => i,
            Err(errors) => {
                failures.push(format!("{name}: import: {}", errors.iter().map(|e| e.render()).collect::<String>()));
                continue;
            }
        };
        if imported.specs.is_empty() {
            failures.push(format!("{name}: no spec written"));
            continue;
        }
        let dir = temp_dir(name.trim_end_matches(".json").trim_end_matches(".yaml"));
        write_all(&dir, &imported);
        match specgate::spec::load_all(std::slice::from_ref(&dir)) {
            Ok(specs) => total += specs.len(),
            Err(errors) => failures.push(format!("{name}: load: {}", errors.iter().take(3).map(|e| e.render()).collect::<String>())),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), documents.len(), failures.join("\n"));
    assert!(total > documents.len(), "{total} specs");
}
