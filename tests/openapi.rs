//! OpenAPI export and import: the round trip over the seed specs, a hand-written 3.0 document
//! whose import must load, and the located errors bad documents get.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use specgate::openapi::{export::export, import::import};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("specgate-openapi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_all(dir: &Path, imported: &specgate::openapi::import::Imported) {
    for (rel, text) in imported.schemas.iter().chain(&imported.specs) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A `$ref` reduced to the schema file's name and fragment (`../schemas/x.json#/a` → `x.json#/a`),
/// a file's reference to itself to its fragment alone.
fn normalize_refs(v: &Value, own: Option<&str>) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        let r = r
                            .rsplit('/')
                            .next()
                            .filter(|_| !r.starts_with('#'))
                            .map(|_| r.rsplit_once("schemas/").map(|(_, t)| t).unwrap_or(r))
                            .unwrap_or(r);
                        let r = match own {
                            Some(o) => r.strip_prefix(o).unwrap_or(r),
                            None => r,
                        };
                        (k.clone(), json!(r))
                    }
                    _ => (k.clone(), normalize_refs(v, own)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| normalize_refs(v, own)).collect()),
        other => other.clone(),
    }
}

fn schema_file(path: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let own = path.file_name().unwrap().to_string_lossy().into_owned();
    v.as_object_mut().unwrap().remove("$schema");
    normalize_refs(&v, Some(&own))
}

fn raw_cases(path: &Path) -> Value {
    let v: Value = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    normalize_refs(&v["cases"], None)
}

#[test]
fn seed_specs_survive_export_then_import() {
    let specs = specgate::spec::load_all(&[PathBuf::from("specs")]).unwrap();
    let doc = export(&specs, "seed").unwrap();
    let dir = temp_dir("roundtrip");
    let file = dir.join("seed.openapi.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let imported = import(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
    let out = dir.join("specs");
    write_all(&out, &imported);
    let back = specgate::spec::load_all(std::slice::from_ref(&out)).unwrap();
    assert_eq!(back.len(), specs.len());
    for original in &specs {
        let name = Path::new(&original.path).file_name().unwrap();
        let again = back.iter().find(|s| Path::new(&s.path).file_name() == Some(name)).expect("imported spec of the same name");
        // Same requests.
        assert_eq!(again.file.request.method, original.file.request.method);
        assert_eq!(again.file.request.path.value, original.file.request.path.value);
        assert_eq!(again.file.request.query, original.file.request.query);
        assert_eq!(again.file.cases.len(), original.file.cases.len());
        for (a, b) in again.file.cases.iter().zip(&original.file.cases) {
            assert_eq!(a.name.value, b.name.value);
            assert_eq!(a.query, b.query, "{}", a.name.value);
            // Same statuses.
            assert_eq!(a.expect.status, b.expect.status, "{}", a.name.value);
            assert_eq!(a.level, b.level);
        }
        assert_eq!(again.file.pagination.is_some(), original.file.pagination.is_some());
        assert_eq!(
            again.file.pagination.as_ref().map(|p| p.value.levels.len()),
            original.file.pagination.as_ref().map(|p| p.value.levels.len())
        );
        assert_eq!(again.file.links.as_ref().map(|l| l.elsewhere.clone()), original.file.links.as_ref().map(|l| l.elsewhere.clone()));
        assert_eq!(again.file.filters.as_ref().map(|f| f.value.params.len()), original.file.filters.as_ref().map(|f| f.value.params.len()));
        // Same schemas: each case's schema, and every schema file it reaches.
        assert_eq!(raw_cases(&out.join(name)), raw_cases(Path::new(&original.path)), "{}", original.path);
    }
    for entry in std::fs::read_dir("specs/schemas").unwrap() {
        let path = entry.unwrap().path();
        let copy = out.join("schemas").join(path.file_name().unwrap());
        assert_eq!(schema_file(&copy), schema_file(&path), "{}", path.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

const PETS: &str = r##"openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      summary: List pets
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: cursor, in: query, schema: {type: string}}
        - {name: kind, in: query, schema: {type: string, enum: [cat, dog]}}
        - {name: name, in: query, schema: {type: string}}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/PetList"}
        400:
          description: bad input
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string, example: p1}}
    get:
      responses:
        "200":
          description: one pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    delete:
      responses: {"204": {description: gone}}
components:
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string, nullable: true, example: Rex}
        age: {type: integer, minimum: 0, exclusiveMinimum: true}
    PetList:
      type: object
      properties:
        pets: {type: array, items: {$ref: "#/components/schemas/Pet"}}
        next: {type: string}
    Error: {type: object, properties: {message: {type: string}}}
"##;

#[test]
fn an_openapi_30_document_becomes_specs_that_load() {
    let imported = import(Path::new("pets.yaml"), PETS).unwrap();
    let names: Vec<_> = imported.specs.iter().map(|(p, _)| p.display().to_string()).collect();
    assert_eq!(names, ["pets.yaml", "pets-petid.yaml"], "DELETE gets no spec of its own");
    let dir = temp_dir("pets");
    write_all(&dir, &imported);
    let specs = specgate::spec::load_all(std::slice::from_ref(&dir)).unwrap();
    let list = specs.iter().find(|s| s.path.ends_with("/pets.yaml")).unwrap();
    let cases: Vec<(&str, Value)> = list.file.cases.iter().map(|c| (c.name.value.as_str(), c.expect.status.to_json())).collect();
    assert_eq!(
        cases,
        [
            ("ok", json!(200)),
            ("bad-limit-below-minimum", json!(400)),
            ("bad-limit-above-maximum", json!(400)),
            ("bad-kind-not-in-enum", json!(400))
        ]
    );
    assert_eq!(list.file.doc.section, "paths./pets.get");
    let one = specs.iter().find(|s| s.path.ends_with("pets-petid.yaml")).unwrap();
    assert_eq!(one.file.vars["petId"].default.as_deref(), Some("p1"));
    // 3.0 dialect → 2020-12.
    let pet: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("schemas/Pet.json")).unwrap()).unwrap();
    assert_eq!(pet["properties"]["name"], json!({"type": ["string", "null"], "examples": ["Rex"]}));
    assert_eq!(pet["properties"]["age"], json!({"type": "integer", "exclusiveMinimum": 0}));
    assert_eq!(pet["$schema"], "https://json-schema.org/draft/2020-12/schema");
    // The proposals are there, commented out.
    let text = &imported.specs[0].1;
    assert!(text.contains("# PROPOSED by `specgate import`"), "{text}");
    assert!(text.contains("#   marker: cursor"), "{text}");
    assert!(text.contains("#     pointer: /next"), "{text}");
    assert!(text.contains("#     # - param: \"name\""), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn errors_of(name: &str, source: &str) -> String {
    match import(Path::new(name), source) {
        Ok(_) => panic!("{name} imported"),
        Err(errors) => errors.iter().map(|e| e.render()).collect::<Vec<_>>().join(""),
    }
}

#[test]
fn invalid_yaml_is_located() {
    insta::assert_snapshot!(errors_of("broken.yaml", "openapi: 3.0.0\npaths:\n  /x: [unclosed\n"));
}

#[test]
fn swagger_1_and_unknown_versions_are_refused() {
    insta::assert_snapshot!("swagger", errors_of("old.json", "{\n  \"swagger\": \"1.2\",\n  \"paths\": {}\n}\n"));
    insta::assert_snapshot!("version", errors_of("new.yaml", "openapi: 4.0.0\npaths: {}\n"));
    insta::assert_snapshot!("not_openapi", errors_of("list.yaml", "- a\n- b\n"));
}

#[test]
fn unresolvable_and_circular_references_are_located() {
    let doc = r##"openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - $ref: "#/components/parameters/Missing"
        - $ref: "#/components/parameters/Loop"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "other.yaml#/Thing"}
components:
  parameters:
    Loop: {$ref: "#/components/parameters/Loop"}
  schemas:
    A: {$ref: "#/components/schemas/B"}
    B: {$ref: "#/components/schemas/A"}
    C: {properties: {d: {$ref: "#/components/schemas/D"}}}
"##;
    insta::assert_snapshot!(errors_of("refs.yaml", doc));
}

#[test]
fn a_wildcard_or_text_media_type_asks_for_no_json() {
    let doc = r##"openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /download:
    get:
      responses:
        "200":
          description: a file
          content:
            "*/*": {schema: {type: string}}
"##;
    let imported = import(Path::new("files.yaml"), doc).unwrap();
    let spec = specgate::spec::load::load_str(Path::new("x.yaml"), &imported.specs[0].1).unwrap();
    let expect = &spec.file.cases[0].expect;
    assert_eq!((expect.content_type.as_deref(), expect.schema.is_some()), (None, false));
}

/// A document shaped like the ones whose imported specs could not be loaded (presalytics.io
/// ooxml: 113 schemas, over 4 GiB for one case; Microsoft Graph; Stripe): `Details` schemas that
/// reference each other in cycles through several properties, and one GET per schema returning
/// a list of it. Compiled per schema file, the paths through such a graph are exponential in
/// its size; the load must compile every schema once, into one validator, and still check deep.
fn cyclic_details_document(schemas: usize, fanout: usize) -> String {
    let mut components = serde_json::Map::new();
    let mut paths = serde_json::Map::new();
    for i in 0..schemas {
        let mut properties = serde_json::Map::new();
        properties.insert("id".into(), json!({"type": "integer"}));
        for k in 1..=fanout {
            let target = format!("#/components/schemas/Part{}.Details", (i + k) % schemas);
            properties.insert(format!("link{k}"), json!({"$ref": target}));
            properties.insert(format!("links{k}"), json!({"type": "array", "items": {"$ref": target}}));
        }
        components.insert(format!("Part{i}.Details"), json!({"type": "object", "properties": properties}));
        let list = json!({"type": "object", "properties": {"value": {"type": "array", "items": {"$ref": format!("#/components/schemas/Part{i}.Details")}}}});
        paths.insert(
            format!("/parts{i}"),
            json!({"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": list}}}}}}),
        );
    }
    json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths, "components": {"schemas": components}}).to_string()
}

#[test]
fn schemas_referencing_each_other_in_cycles_load_in_one_validator() {
    let doc = cyclic_details_document(40, 3);
    let imported = import(Path::new("details.json"), &doc).unwrap();
    let dir = temp_dir("cyclic");
    write_all(&dir, &imported);
    let specs = specgate::spec::load_all(std::slice::from_ref(&dir)).unwrap();
    assert_eq!(specs.len(), 40);
    let schemas: Vec<_> = specs.iter().map(|s| s.case_schemas[0].as_ref().expect("the ok case has a schema")).collect();
    assert!(
        schemas.iter().all(|s| std::sync::Arc::ptr_eq(&s.validator, &schemas[0].validator)),
        "every case shares the load's one validator"
    );
    // The cycles are still followed: a wrong type three references deep is found, at its path.
    let body = json!({"value": [{"id": 1, "link1": {"links2": [{"link3": {"id": "x"}}]}}]});
    let findings = specgate::check::schema::check_spec_schema(schemas[0], &body, 10);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].pointer, "/value/0/link1/links2/0/link3/id");
    assert!(
        findings[0].message.ends_with("is not of type \"integer\" (schema inline at Part6.Details.json#/properties/id/type)"),
        "{}",
        findings[0].message
    );
    assert!(specgate::check::schema::check_spec_schema(schemas[7], &json!({"value": [{"id": 2}]}), 10).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_api_key_in_the_query_gets_a_located_note() {
    let doc = r##"openapi: 3.0.0
info: {title: t, version: "1"}
security: [{key: []}]
paths:
  /pads:
    get:
      responses:
        "200": {description: ok}
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: apikey}
"##;
    let imported = import(Path::new("pads.yaml"), doc).unwrap();
    let notes: Vec<String> = imported.warnings.iter().map(|w| w.render()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("pads.yaml:11:29"), "{}", notes[0]);
    assert!(notes[0].contains("security scheme `key` sends its API key in the query"), "{}", notes[0]);
    assert!(imported.specs[0].1.contains("# `key` is an API key in the query parameter `apikey`"), "{}", imported.specs[0].1);
}

/// Writes were dropped without a word: the spec of the path now names each one and why.
#[test]
fn import_keeps_post_operations() {
    let doc = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
    post:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"201": {description: made}}
    delete:
      responses: {"204": {description: gone}}
  /orders:
    post:
      responses: {"201": {description: made}}
"##;
    let imported = import(Path::new("writes.yaml"), doc).unwrap();
    assert_eq!(imported.specs.len(), 1);
    let text = &imported.specs[0].1;
    assert!(
        text.contains(
            "# Not imported: POST /pets (writes.yaml § paths./pets.post): its request body cannot be sent (a spec's request has none).\n"
        ),
        "{text}"
    );
    assert!(text.contains("# Not imported: DELETE /pets (writes.yaml § paths./pets.delete): it writes, and a spec with `method: DELETE` runs only with `--allow-writes`"), "{text}");
    specgate::spec::load::load_str(Path::new("x.yaml"), text).unwrap();
    // A path with no read operation has no spec to carry the note: a located warning says it.
    let notes: Vec<String> = imported.warnings.iter().map(|w| w.render()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("writes.yaml:14:7") && notes[0].contains("Not imported: POST /orders"), "{}", notes[0]);
}

/// `default` and 404 responses had no case and no mention.
#[test]
fn import_keeps_default_and_404_responses() {
    let doc = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok}
        "404": {description: no such pet}
        default: {description: error}
"##;
    let imported = import(Path::new("pets.yaml"), doc).unwrap();
    let text = &imported.specs[0].1;
    assert!(text.contains("# Documented responses without a case"), "{text}");
    assert!(text.contains("#   404 (paths./pets/{petId}.get.responses.404): a missing resource: copy the `ok` case with `expect: {status: 404}` and run it with `--var petId=…` naming none"), "{text}");
    assert!(text.contains("#   default (paths./pets/{petId}.get.responses.default): the answer to any status"), "{text}");
    specgate::spec::load::load_str(Path::new("x.yaml"), text).unwrap();
}

/// A path variable without an example got `default: x`, which names no resource.
#[test]
fn import_invents_no_default_for_path_variables() {
    let doc = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{petId}/toys/{toyId}:
    get:
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
        - {name: toyId, in: path, required: true, schema: {type: integer, example: 7}}
      responses: {"200": {description: ok}}
"##;
    let imported = import(Path::new("toys.yaml"), doc).unwrap();
    let text = &imported.specs[0].1;
    let spec = specgate::spec::load::load_str(Path::new("x.yaml"), text).unwrap();
    assert_eq!(spec.file.vars["petId"].default, None, "{text}");
    assert_eq!(spec.file.vars["toyId"].default.as_deref(), Some("7"));
    assert!(text.contains("# The document gives no example or default for `petId`: pass --var petId=VALUE"), "{text}");
}

/// Import proposed every filter as `equals`, derive differently; both now share one rule.
#[test]
fn import_proposes_filters_as_derive_does() {
    let doc = r##"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      parameters:
        - {name: marker, in: query, schema: {type: string}}
        - {name: name, in: query, description: "Exact match on the name.", schema: {type: string}}
        - {name: min_age, in: query, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  pets: {type: array, items: {type: object, properties: {id: {type: string}, name: {type: string}, age: {type: integer}}}}
"##;
    let imported = import(Path::new("pets.yaml"), doc).unwrap();
    let text = &imported.specs[0].1;
    assert!(text.contains("#     - param: \"name\"\n#       field: \"/name\"\n#       relation: equals\n"), "{text}");
    assert!(text.contains("#       why: \"the document states the rule: Exact match on the name\""), "{text}");
    assert!(text.contains("#     # - param: \"min_age\"\n#     #   field: \"/age\"\n#     #   relation: at_least\n"), "{text}");
}

/// Imports a document of tests/fixtures/openapi-defects and loads what it writes.
fn import_and_load(name: &str) -> (specgate::openapi::import::Imported, Vec<specgate::spec::Spec>, PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi-defects").join(name);
    let imported = import(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let dir = temp_dir(name.trim_end_matches(".yaml").trim_end_matches(".json"));
    write_all(&dir, &imported);
    let specs = specgate::spec::load_all(std::slice::from_ref(&dir))
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|e| e.render()).collect::<String>()));
    (imported, specs, dir)
}

#[test]
fn an_examples_map_in_a_schema_becomes_an_array() {
    let (_, specs, dir) = import_and_load("examples-map.yaml");
    assert_eq!(specs.len(), 1);
    let thing = schema_file(&dir.join("schemas/Thing.json"));
    assert_eq!(thing["examples"], json!([{"id": "t0"}, {"id": "t1"}, {"id": "t2"}]), "3.0's `example` first, then the map's values");
    assert_eq!(thing["properties"]["id"]["examples"], json!(["t3"]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keyword_values_json_schema_rejects_are_set_aside_with_a_warning() {
    let (imported, specs, dir) = import_and_load("keyword-values.yaml");
    assert_eq!(specs.len(), 1);
    let item = schema_file(&dir.join("schemas/Item.json"));
    assert_eq!(item["properties"]["itemType"]["x-specgate-invalid-type"]["enum"], json!(["Unknown", "Inventory"]));
    assert_eq!(
        item["properties"]["name"],
        json!({"type": "string", "x-specgate-invalid-required": true, "x-specgate-invalid-maxLength": "20"})
    );
    assert_eq!(item["properties"]["count"], json!({"type": "integer"}), "valid keywords stay");
    let warnings: String = imported.warnings.iter().map(|w| w.render()).collect();
    insta::assert_snapshot!(warnings.replace(env!("CARGO_MANIFEST_DIR"), "[root]"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_object_query_example_is_sent_as_its_properties() {
    let (_, specs, dir) = import_and_load("object-query.yaml");
    let query = specs[0].file.request.query.iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join(" ");
    assert_eq!(query, r#"filter[kind]=Some(One(Str("cat"))) json=Some(One(Str("{\"data\": [1]}"))) strict=Some(One(Bool(true)))"#);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn c1_control_characters_in_a_json_document_are_read() {
    let (_, specs, dir) = import_and_load("c1-controls.json");
    assert_eq!(specs[0].file.title, "Notes \u{80}\u{9f}");
    let schema = &specs[0].file.cases[0].expect.schema.as_ref().unwrap().value;
    assert_eq!(schema["enum"], json!(["a\u{85}b"]));
    std::fs::remove_dir_all(&dir).unwrap();
}
