//! From a read page to a spec skeleton: the endpoint, its parameters with what their
//! descriptions state plainly (values, defaults, bounds), the response fields with nested
//! tables followed, the status codes, and every element's citation (table, row, line).

use super::page::{Column, Page, Row, Table, TableKind};

/// Where an element came from: the table's label, the row's name and its line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cite {
    pub file: String,
    pub table: String,
    pub row: String,
    pub line: usize,
}

impl std::fmt::Display for Cite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} § {}, row `{}` (line {})", self.file, self.table, self.row, self.line)
    }
}

impl Stated {
    /// The same allowed values, in any order.
    pub(crate) fn same_values(&self, other: &Stated) -> bool {
        fn set(s: &Stated) -> std::collections::BTreeSet<&str> {
            s.values.iter().map(String::as_str).collect()
        }
        set(self) == set(other)
    }
}

/// A bound a description states: "大于0" is `> 0`, "大于等于1" / "不小于1" is `>= 1`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Bound {
    Above(f64),
    AtLeast(f64),
}

/// What a description says plainly about a value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Stated {
    pub values: Vec<String>,
    pub default: Option<String>,
    pub bound: Option<Bound>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    pub name: String,
    /// `path` or `query`.
    pub location: &'static str,
    pub doc_type: Option<String>,
    pub required: bool,
    pub description: String,
    pub stated: Stated,
    pub cite: Cite,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Field {
    pub name: String,
    pub doc_type: Option<String>,
    /// The JSON Schema type the doc type maps to.
    pub json: Option<&'static str>,
    pub required: Option<bool>,
    pub description: String,
    pub stated: Stated,
    pub children: Vec<Field>,
    pub cite: Cite,
    /// The line of the page's response example that shows the field as `null`.
    pub null_in_example: Option<usize>,
    /// Values the page's response example shows outside the stated values, with its line.
    pub outside_in_example: Vec<(String, usize)>,
}

/// What derive makes of a page, before it is written as YAML.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skeleton {
    pub file: String,
    pub title: String,
    pub method: String,
    pub path: String,
    pub uri_line: usize,
    pub params: Vec<Param>,
    /// The response body's top-level fields.
    pub body: Vec<Field>,
    /// True when the page's table lists the item fields and the envelope key was taken from
    /// the path (`…/images/detail` → `images`).
    pub wrapper_from_path: bool,
    pub success: Vec<(u16, usize)>,
    pub errors: Vec<(u16, Cite)>,
}

/// `String` → `string`, `Array of objects` → `array`, … (`None`: not a type name).
pub(crate) fn json_type(doc_type: &str) -> Option<&'static str> {
    let t = doc_type.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "string" => "string",
        "integer" | "long" | "int" | "int32" | "int64" => "integer",
        "float" | "double" | "number" => "number",
        "boolean" | "bool" => "boolean",
        "object" | "map" | "map<string,string>" => "object",
        _ if t.starts_with("array") || t.starts_with("list") => "array",
        _ => return None,
    })
}

/// `是`/`Yes` → required; `否`/`No` → optional.
pub(crate) fn mandatory(cell: &str) -> Option<bool> {
    match cell.trim() {
        "是" | "必选" | "Yes" | "yes" | "true" => Some(true),
        "否" | "可选" | "No" | "no" | "false" => Some(false),
        _ => None,
    }
}

fn ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
}

/// Trim the non-ASCII words around a value: `镜像属性name` → `name`, `create_at字段` → `create_at`.
fn ascii_core(s: &str) -> &str {
    s.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).trim()
}

/// Read what a description states plainly. Only lists of two or more identifiers count as
/// allowed values; anything vaguer is left to the reader of the skeleton.
pub(crate) fn stated(description: &str) -> Stated {
    let mut out = Stated::default();
    let flat = description.replace('\n', " ");
    for marker in
        ["默认值是", "默认值为", "默认取值为", "默认为", "default value is ", "defaults to ", "The default is ", "the default is "]
    {
        if let Some((_, rest)) = flat.split_once(marker) {
            let rest: String =
                rest.chars().skip_while(|c| !c.is_ascii_alphanumeric()).take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let skipped = flat.split_once(marker).map(|(_, r)| r.chars().take_while(|c| !c.is_ascii_alphanumeric()).count()).unwrap_or(0);
            if !rest.is_empty() && skipped <= 4 {
                out.default = Some(rest);
                break;
            }
        }
    }
    for marker in ["取值为", "目前支持", "目前取值有", "目前取值", "取值有", "取值包括"] {
        let Some((_, rest)) = flat.split_once(marker) else { continue };
        let clause = rest.split(['。', '，', ';', '；']).next().unwrap_or("");
        let values: Vec<&str> = clause
            .split(['、', '/', ','])
            .flat_map(|v| v.split("和"))
            .flat_map(|v| v.split("或者"))
            .flat_map(|v| v.split('或'))
            .map(ascii_core)
            .collect();
        if values.len() >= 2 && values.iter().all(|v| ident(v)) {
            out.values = values.iter().map(|v| v.to_string()).collect();
            break;
        }
    }
    if out.values.is_empty() && flat.contains("取值如下") {
        // One `value：meaning` per line.
        let values: Vec<String> = description
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(['：', ':']).map(|(v, _)| v.trim().to_string()))
            .filter(|v| ident(v))
            .collect();
        if values.len() >= 2 {
            out.values = values;
        }
    }
    if out.values.is_empty() {
        out.values = english_values(&flat);
    }
    for (marker, f) in [("大于等于", Bound::AtLeast as fn(f64) -> Bound), ("不小于", Bound::AtLeast), ("大于", Bound::Above)] {
        if let Some((_, rest)) = flat.split_once(marker) {
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            if let Ok(n) = n.parse() {
                out.bound = Some(f(n));
                break;
            }
        }
    }
    out
}

/// English lists of values: "Valid values are asc (ascending) and desc", "The value can be
/// true or false", "Accepted values are name, status, …, and updated_at", "as either public,
/// private, or shared". Only lists of two or more identifiers count, as in Chinese.
fn english_values(flat: &str) -> Vec<String> {
    let lower = flat.to_lowercase();
    for marker in ["valid values are ", "accepted values are ", "the value can be ", "available values include", "as either "] {
        let Some(at) = lower.find(marker) else { continue };
        let rest = &flat[at + marker.len()..];
        let clause = rest.split(['.', ';', '\n']).next().unwrap_or("");
        // "(ascending)" explains a value; it is not one.
        let mut bare = String::new();
        let mut depth = 0;
        for c in clause.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                c if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        let values: Vec<&str> = bare
            .split(',')
            .flat_map(|v| v.split(" or "))
            .flat_map(|v| v.split(" and "))
            .map(|v| v.trim().trim_start_matches("or ").trim_start_matches("and ").trim_start_matches(':').trim())
            .filter(|v| !v.is_empty())
            .collect();
        if values.len() >= 2 && values.iter().all(|v| ident(v)) {
            return values.iter().map(|v| v.to_string()).collect();
        }
    }
    Vec::new()
}

fn cite(page: &Page, table: &Table, name: &str, row: &Row) -> Cite {
    Cite { file: page.file.clone(), table: table.label(), row: name.to_string(), line: row.line }
}

fn field_of(page: &Page, table: &Table, row: &Row) -> Option<Field> {
    let name = table.cell(row, &Column::Name)?.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let doc_type = table.cell(row, &Column::Type).map(str::to_string);
    let description = table.cell(row, &Column::Description).unwrap_or("").to_string();
    Some(Field {
        json: doc_type.as_deref().and_then(json_type),
        // "Will not be present on the last page" (Glance's `next`) outranks a `required` flag.
        required: table.cell(row, &Column::Mandatory).and_then(mandatory).map(|r| r && !says_absent(&description)),
        stated: stated(&description),
        cite: cite(page, table, &name, row),
        name,
        doc_type,
        description,
        children: Vec::new(),
        null_in_example: None,
        outside_in_example: Vec::new(),
    })
}

/// A description that says the field is sometimes left out of the response.
fn says_absent(description: &str) -> bool {
    let d = description.to_lowercase();
    ["not be present", "not present", "may be absent", "may be omitted", "is omitted", "不返回", "可能不存在"].iter().any(|w| d.contains(w))
}

/// Fields named by their path (`images.id`, `images.[]`, as some RST tables write them) go
/// under the field their first segment names.
fn nest_dotted(fields: Vec<Field>) -> Vec<Field> {
    fn insert(level: &mut Vec<Field>, mut f: Field) {
        if let Some((head, rest)) = f.name.split_once('.') {
            if let Some(parent) = level.iter_mut().find(|p| p.name == head) {
                f.name = rest.to_string();
                return insert(&mut parent.children, f);
            }
        }
        level.push(f);
    }
    let mut out = Vec::new();
    for mut f in fields {
        f.name = f.name.trim_end_matches("[]").trim_end_matches('.').to_string();
        insert(&mut out, f);
    }
    out
}

/// os-api-ref lists a collection and its items' fields in one flat table (`images`, `id`,
/// `name`, …). The page's response example tells them apart: a field absent from the top
/// level but present in the items of an array field belongs to those items.
fn nest_by_example(page: &Page, body: &mut Vec<Field>) {
    use serde_json::Value;
    let Some(top) = page.examples.iter().filter(|e| e.is_response()).find_map(|e| e.value.as_object()) else { return };
    let Some(array) = body.iter().find(|f| f.json == Some("array") && f.children.is_empty()).map(|f| f.name.clone()) else { return };
    let Some(items) = top.get(&array).and_then(Value::as_array) else { return };
    let in_items = |n: &str| items.iter().filter_map(Value::as_object).any(|o| o.contains_key(n));
    let (items_of, rest): (Vec<Field>, Vec<Field>) =
        std::mem::take(body).into_iter().partition(|f| f.name != array && !top.contains_key(&f.name) && in_items(&f.name));
    *body = rest;
    if let Some(a) = body.iter_mut().find(|f| f.name == array) {
        a.children = items_of;
    }
}

/// A collection whose items no table describes (Glance's `images`: "a list of image objects,
/// as described by the Images Schema") takes its items' names from the page's response
/// example, untyped: an example shows one value, not the type a field may take.
fn items_from_example(page: &Page, body: &mut [Field], collection: Option<&str>) {
    use serde_json::Value;
    let Some(list) = body.iter_mut().find(|f| f.json == Some("array") && f.children.is_empty() && Some(f.name.as_str()) == collection)
    else {
        return;
    };
    for ex in page.examples.iter().filter(|e| e.is_response()) {
        let Some(items) = ex.value.get(&list.name).and_then(Value::as_array) else { continue };
        for key in items.iter().filter_map(Value::as_object).flat_map(|o| o.keys()) {
            if list.children.iter().any(|c| &c.name == key) {
                continue;
            }
            list.children.push(Field {
                name: key.clone(),
                doc_type: None,
                json: None,
                required: None,
                description: "shown in the page's response example".into(),
                stated: Stated::default(),
                children: Vec::new(),
                cite: Cite { file: page.file.clone(), table: format!("{} (example)", ex.section), row: key.clone(), line: ex.line },
                null_in_example: None,
                outside_in_example: Vec::new(),
            });
        }
        return;
    }
}

/// The field a nested table describes: the one its caption names (`links参数信息`), else the
/// first array of objects still without its items.
fn attach<'a>(fields: &'a mut [Field], caption: Option<&str>) -> Option<&'a mut Field> {
    let words: Vec<String> = caption
        .map(|c| {
            c.split(|ch: char| !(ch.is_ascii_alphanumeric() || "_-:".contains(ch)))
                .filter(|w| ident(w) && !w.chars().all(|c| c.is_ascii_digit()) && *w != "Table")
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let by_name = |f: &Field| f.children.is_empty() && words.contains(&f.name);
    let by_type = |f: &Field| f.children.is_empty() && f.doc_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("of object"));
    let at = locate(fields, &by_name).or_else(|| locate(fields, &by_type))?;
    let mut cur = fields;
    let (last, walk) = at.split_last()?;
    for i in walk {
        cur = &mut cur[*i].children;
    }
    cur.get_mut(*last)
}

/// Index path of the first field (depth first) that `pred` accepts.
fn locate(fields: &[Field], pred: &dyn Fn(&Field) -> bool) -> Option<Vec<usize>> {
    for (i, f) in fields.iter().enumerate() {
        if pred(f) {
            return Some(vec![i]);
        }
        if let Some(mut rest) = locate(&f.children, pred) {
            rest.insert(0, i);
            return Some(rest);
        }
    }
    None
}

/// The collection a path lists: its last segment that is neither a placeholder nor `detail`.
pub(crate) fn collection(path: &str) -> Option<&str> {
    path.split('/').rev().find(|s| !s.is_empty() && !s.starts_with('{') && *s != "detail" && *s != "details")
}

pub fn derive(page: &Page) -> Skeleton {
    let uri = page.uri.as_ref();
    let path = uri.map(|u| u.path.clone()).unwrap_or_default();
    let mut params = Vec::new();
    let mut body: Vec<Field> = Vec::new();
    let mut errors = Vec::new();
    let mut success: Vec<(u16, usize)> = page.statuses.iter().map(|s| (s.code, s.line)).collect();
    let mut first_response = true;
    for table in &page.tables {
        match table.kind() {
            TableKind::Request => {
                for row in &table.rows {
                    let Some(f) = field_of(page, table, row) else { continue };
                    let in_path = path.contains(&format!("{{{}}}", f.name));
                    params.push(Param {
                        location: if in_path { "path" } else { "query" },
                        required: f.required.unwrap_or(in_path),
                        name: f.name,
                        doc_type: f.doc_type,
                        description: f.description,
                        stated: f.stated,
                        cite: f.cite,
                    });
                }
            }
            TableKind::Response => {
                let fields = nest_dotted(table.rows.iter().filter_map(|r| field_of(page, table, r)).collect());
                if first_response {
                    body = fields;
                    first_response = false;
                } else if let Some(parent) = attach(&mut body, table.caption.as_deref()) {
                    parent.children = fields;
                }
            }
            TableKind::Status => {
                for row in &table.rows {
                    let text = row.cells.first().map(String::as_str).unwrap_or("");
                    match text.split_whitespace().next().and_then(|c| c.parse::<u16>().ok()) {
                        // A table of every response code (RST pages) names the success too.
                        Some(code) if code < 300 => success.push((code, row.line)),
                        Some(code) => errors.push((code, cite(page, table, text, row))),
                        None => {}
                    }
                }
            }
            TableKind::Other => {}
        }
    }
    // A path placeholder no table describes is still a parameter: the URI line is its citation.
    for name in crate::spec::load::placeholders(&path) {
        if !params.iter().any(|p| p.name == name) {
            let line = uri.map(|u| u.line).unwrap_or(1);
            params.push(Param {
                name: name.to_string(),
                location: "path",
                doc_type: None,
                required: true,
                description: "path placeholder of the URI; no table describes it".into(),
                stated: Stated::default(),
                cite: Cite { file: page.file.clone(), table: "URI".into(), row: name.to_string(), line },
            });
        }
    }
    // A table of item fields (more than an envelope of one or two containers) is wrapped in
    // the collection the path names.
    nest_by_example(page, &mut body);
    items_from_example(page, &mut body, collection(&path));
    let envelope = !body.is_empty() && body.len() <= 2 && body.iter().all(|f| matches!(f.json, Some("array") | Some("object")));
    // A table that names the collection itself is the envelope, whatever else it lists.
    let envelope = envelope || body.iter().any(|f| Some(f.name.as_str()) == collection(&path));
    let mut wrapper_from_path = false;
    if !body.is_empty() && !envelope {
        if let (Some(name), Some(first)) = (collection(&path), body.first()) {
            let table_cite = Cite { row: name.to_string(), ..first.cite.clone() };
            body = vec![Field {
                name: name.to_string(),
                doc_type: None,
                json: Some("array"),
                required: Some(true),
                description: String::new(),
                stated: Stated::default(),
                children: std::mem::take(&mut body),
                cite: table_cite,
                null_in_example: None,
                outside_in_example: Vec::new(),
            }];
            wrapper_from_path = true;
        }
    }
    read_examples(page, &mut body);
    Skeleton {
        file: page.file.clone(),
        title: page.title.clone(),
        method: uri.map(|u| u.method.clone()).unwrap_or_else(|| "GET".into()),
        path,
        uri_line: uri.map(|u| u.line).unwrap_or(1),
        params,
        body,
        wrapper_from_path,
        success,
        errors,
    }
}

/// Mark what the page's own response example shows against its tables: fields shown as `null`
/// (the page allows null there, whatever the table's type: 004's `virtual_size` is Integer,
/// null in the example) and values outside a field's stated list (004's `disk_format`
/// `zvhd2`, which is also the page's stated default).
fn read_examples(page: &Page, body: &mut [Field]) {
    fn mark(fields: &mut [Field], obj: &serde_json::Map<String, serde_json::Value>, line: usize) {
        use serde_json::Value;
        for f in fields {
            match obj.get(&f.name) {
                Some(Value::Null) => f.null_in_example = Some(line),
                Some(Value::String(v))
                    if !f.stated.values.is_empty()
                        && !f.stated.values.contains(v)
                        && !f.outside_in_example.iter().any(|(seen, _)| seen == v) =>
                {
                    f.outside_in_example.push((v.clone(), line));
                }
                Some(Value::Object(inner)) => mark(&mut f.children, inner, line),
                Some(Value::Array(items)) => {
                    for inner in items.iter().filter_map(Value::as_object) {
                        mark(&mut f.children, inner, line);
                    }
                }
                _ => {}
            }
        }
    }
    for ex in page.examples.iter().filter(|e| e.is_response()) {
        if let Some(top) = ex.value.as_object() {
            mark(body, top, ex.line);
        }
    }
}

impl Skeleton {
    /// Every name the skeleton carries: parameters, the envelope, item fields (relative to the
    /// envelope's items) and nested fields as `links[].href`.
    pub fn names(&self) -> Vec<String> {
        fn walk(prefix: &str, f: &Field, out: &mut Vec<String>) {
            let name = format!("{prefix}{}", f.name);
            out.push(name.clone());
            let sep = if f.json == Some("array") { "[]." } else { "." };
            for c in &f.children {
                walk(&format!("{name}{sep}"), c, out);
            }
        }
        let mut out: Vec<String> = self.params.iter().map(|p| p.name.clone()).collect();
        for top in &self.body {
            out.push(top.name.clone());
            for c in &top.children {
                walk("", c, &mut out);
            }
        }
        out
    }

    /// The listed collection: the body's only array, or the array the path names beside
    /// other envelope fields (`images` beside `first`, `next`, `schema`).
    pub(crate) fn collection(&self) -> Option<&Field> {
        match self.body.as_slice() {
            [one] if one.json == Some("array") => Some(one),
            many => many.iter().find(|f| f.json == Some("array") && Some(f.name.as_str()) == collection(&self.path)),
        }
    }

    /// The fields of one listed item (the collection's children), or the body itself.
    pub(crate) fn item_fields(&self) -> &[Field] {
        match self.collection() {
            Some(list) if !list.children.is_empty() => &list.children,
            _ => &self.body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_defaults_and_bounds_stated_plainly() {
        let s = stated("镜像格式，目前支持vhd、zvhd、raw、qcow2、iso。默认值是zvhd2。");
        assert_eq!(s.values, ["vhd", "zvhd", "raw", "qcow2", "iso"]);
        assert_eq!(s.default.as_deref(), Some("zvhd2"));
        let s = stated("用于排序，取值为asc和desc。与sort_key一起组合使用，默认为降序desc。");
        assert_eq!((s.values.len(), s.default.as_deref()), (2, Some("desc")));
        let s = stated("取值为镜像属性name、status、create_at字段，默认为创建时间。");
        assert_eq!(s.values, ["name", "status", "create_at"]);
        assert_eq!(s.default, None);
        assert_eq!(stated("镜像大小。\n大于0。").bound, Some(Bound::Above(0.0)));
        assert_eq!(stated("用于分页，取值为整数，默认取值为500。").default.as_deref(), Some("500"));
        assert!(stated("镜像名称").values.is_empty());
        let s = stated("Sort direction. Valid values are asc (ascending) and desc (descending). The default is desc.");
        assert_eq!((s.values.join(" "), s.default.as_deref()), ("asc desc".into(), Some("desc")));
        assert_eq!(stated("The value can be FusionCompute, Ironic, DataImage, or IsoImage.").values.len(), 4);
        assert_eq!(stated("image visibility as either public, private, or shared.").values, ["public", "private", "shared"]);
        assert!(stated("The value can be true. The value is true by default.").values.is_empty());
    }

    #[test]
    fn the_listed_collection_comes_from_the_path() {
        assert_eq!(collection("/v2.1/{project_id}/images/detail"), Some("images"));
        assert_eq!(collection("/v2/cloudimages"), Some("cloudimages"));
    }
}
