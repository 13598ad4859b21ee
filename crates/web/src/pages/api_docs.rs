//! `/api/docs`: the REST API for people, rendered by our own template from the same OpenAPI
//! document that `/api/v1/openapi.json` serves — no script, nothing fetched from elsewhere.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::Page;
use crate::state::AppState;

/// How deep nested objects are spelled out before they are shown by name only.
const MAX_DEPTH: usize = 3;
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A piece of prose: plain text, or a `code` span of the document's Markdown.
#[derive(Serialize)]
struct Span {
    text: String,
    code: bool,
}

/// Prose split on backticks, so that the template shows code spans as code without trusting
/// any markup from the document.
fn spans(text: &str) -> Vec<Span> {
    text.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            text: t.to_string(),
            code: i % 2 == 1,
        })
        .collect()
}

#[derive(Serialize)]
struct Group {
    tag: String,
    description: String,
    endpoints: Vec<Endpoint>,
}

#[derive(Serialize)]
struct Endpoint {
    /// The operation id, used as the anchor.
    id: String,
    method: String,
    path: String,
    summary: String,
    description: Vec<Span>,
    needs_token: bool,
    params: Vec<Param>,
    request: Option<String>,
    responses: Vec<Answer>,
    curl: String,
}

#[derive(Serialize)]
struct Param {
    name: String,
    place: String,
    required: bool,
    kind: String,
    description: Vec<Span>,
}

#[derive(Serialize)]
struct Answer {
    status: String,
    description: Vec<Span>,
    shape: Option<String>,
}

/// The document as JSON, the form both the page and `openapi.json` read.
fn document_json() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| {
        serde_json::to_value(crate::api::openapi::document()).unwrap_or(Value::Null)
    });
    &DOC
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Option<Session>,
) -> Result<HttpResponse, WebError> {
    let doc = document_json();
    let base = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let error_shape = shape(&json!({"$ref": "#/components/schemas/ErrorBody"}), doc, 0);
    let mut page = Page::new(&state, &req, session.as_ref(), "api");
    page.insert("groups", &groups(doc, &base))
        .insert("error_shape", &error_shape)
        .insert("base", &base);
    page.render(&state, "api/docs.html")
}

/// Endpoints by tag, in the document's tag order; each in path order, reads before writes.
fn groups(doc: &Value, base: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Group {
            tag: text(&t["name"]),
            description: text(&t["description"]),
            endpoints: Vec::new(),
        })
        .collect();
    let Some(paths) = doc["paths"].as_object() else {
        return groups;
    };
    for (path, item) in paths {
        for method in METHODS {
            let op = &item[method];
            if !op.is_object() {
                continue;
            }
            let endpoint = endpoint(doc, base, path, method, op);
            let tag = op["tags"][0].as_str().unwrap_or_default();
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(g) => g.endpoints.push(endpoint),
                None => groups.push(Group {
                    tag: tag.to_string(),
                    description: String::new(),
                    endpoints: vec![endpoint],
                }),
            }
        }
    }
    groups.retain(|g| !g.endpoints.is_empty());
    groups
}

fn endpoint(doc: &Value, base: &str, path: &str, method: &str, op: &Value) -> Endpoint {
    let params: Vec<Param> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(&p["name"]),
            place: text(&p["in"]),
            required: p["required"].as_bool().unwrap_or(false),
            kind: shape(&p["schema"], doc, MAX_DEPTH),
            description: spans(p["description"].as_str().unwrap_or_default()),
        })
        .collect();
    let body = &op["requestBody"]["content"]["application/json"];
    let request = body.is_object().then(|| shape(&body["schema"], doc, 0));
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            let r = resolve(r, doc);
            let success = status.starts_with('2');
            Answer {
                status: status.clone(),
                description: spans(r["description"].as_str().unwrap_or_default()),
                shape: r["content"]["application/json"]["schema"]
                    .as_object()
                    .filter(|_| success)
                    .map(|s| shape(&Value::Object(s.clone()), doc, 0)),
            }
        })
        .collect();
    // The token is needed unless the operation says `security: [{}]`.
    let needs_token = !op["security"]
        .as_array()
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    let example = body.is_object().then(|| {
        body.get("example")
            .cloned()
            .unwrap_or_else(|| sample(&body["schema"], doc, 0))
    });
    Endpoint {
        id: text(&op["operationId"]),
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: text(&op["summary"]),
        description: spans(op["description"].as_str().unwrap_or_default()),
        needs_token,
        curl: curl(base, method, path, &params, needs_token, example.as_ref()),
        params,
        request,
        responses,
    }
}

/// A curl line that works as shown once `$CRM_TOKEN` holds a token and ids are real.
fn curl(
    base: &str,
    method: &str,
    path: &str,
    params: &[Param],
    needs_token: bool,
    body: Option<&Value>,
) -> String {
    let mut url = format!("{base}{path}");
    for p in params.iter().filter(|p| p.place == "path") {
        url = url.replace(&format!("{{{}}}", p.name), "1");
    }
    let query: Vec<String> = params
        .iter()
        .filter(|p| p.place == "query" && p.required)
        .map(|p| {
            format!(
                "{}={}",
                p.name,
                if p.kind.contains("integer") {
                    "1"
                } else {
                    "contact"
                }
            )
        })
        .collect();
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let mut line = String::from("curl");
    if method != "get" {
        line.push_str(&format!(" -X {}", method.to_uppercase()));
    }
    if needs_token {
        line.push_str(" -H \"Authorization: Bearer $CRM_TOKEN\"");
    }
    if let Some(b) = body {
        line.push_str(" -H 'Content-Type: application/json'");
        line.push_str(&format!(" -d '{}'", b.to_string().replace('\'', "'\\''")));
    }
    line.push_str(&format!(" '{url}'"));
    line
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The schema a `$ref` points to (one level), or the value itself.
fn resolve<'a>(v: &'a Value, doc: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(doc, |at, key| &at[key]))
            .unwrap_or(&Value::Null),
        None => v,
    }
}

fn ref_name(v: &Value) -> Option<&str> {
    v["$ref"].as_str().and_then(|r| r.rsplit('/').next())
}

/// A schema as a short JSON-like outline: `{"name": string, "company_id"?: integer | null}`
/// (`?` marks a field that may be left out).
fn shape(schema: &Value, doc: &Value, depth: usize) -> String {
    let mut out = String::new();
    write_shape(&mut out, schema, doc, depth, 0, &mut BTreeSet::new());
    out
}

fn write_shape(
    out: &mut String,
    schema: &Value,
    doc: &Value,
    depth: usize,
    indent: usize,
    seen: &mut BTreeSet<String>,
) {
    if let Some(name) = ref_name(schema) {
        if depth >= MAX_DEPTH || seen.contains(name) {
            out.push_str(name);
            return;
        }
        seen.insert(name.to_string());
        write_shape(out, resolve(schema, doc), doc, depth, indent, seen);
        seen.remove(name);
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(items) = schema[key].as_array() {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" | ");
                }
                write_shape(out, item, doc, depth, indent, seen);
            }
            return;
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<String> = values.iter().map(Value::to_string).collect();
        out.push_str(&names.join(" | "));
        return;
    }
    let (properties, required) = object_parts(schema, doc);
    if !properties.is_empty() {
        if depth >= MAX_DEPTH {
            out.push_str("object");
            return;
        }
        let pad = "  ".repeat(indent + 1);
        out.push_str("{\n");
        for (name, prop) in &properties {
            let mark = if required.contains(name) { "" } else { "?" };
            out.push_str(&format!("{pad}\"{name}\"{mark}: "));
            write_shape(out, prop, doc, depth + 1, indent + 1, seen);
            out.push_str(",\n");
        }
        out.push_str(&"  ".repeat(indent));
        out.push('}');
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        out.push_str("any");
        return;
    }
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        match *t {
            "array" => {
                out.push('[');
                write_shape(out, &schema["items"], doc, depth, indent, seen);
                out.push(']');
            }
            "string" => match schema["format"].as_str() {
                Some(f) => out.push_str(&format!("string ({f})")),
                None => out.push_str("string"),
            },
            other => out.push_str(other),
        }
    }
}

/// The properties of an object schema, merging `allOf` parts (flattened fields), and which of
/// them are required.
fn object_parts<'a>(schema: &'a Value, doc: &'a Value) -> (Vec<(String, &'a Value)>, Vec<String>) {
    let mut props = Vec::new();
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    if let Some(p) = schema["properties"].as_object() {
        props.extend(p.iter().map(|(k, v)| (k.clone(), v)));
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = object_parts(resolve(part, doc), doc);
        props.extend(p);
        required.extend(r);
    }
    (props, required)
}

/// An example value for a schema: its own example if it has one, else the required fields with
/// plain values of their types.
fn sample(schema: &Value, doc: &Value, depth: usize) -> Value {
    let schema = resolve(schema, doc);
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(e) = schema["examples"].as_array().and_then(|e| e.first()) {
        return e.clone();
    }
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema[key].as_array().and_then(|items| {
            items
                .iter()
                .find(|i| i["type"] != "null")
                .or_else(|| items.first())
        }) {
            return sample(first, doc, depth + 1);
        }
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let (properties, required) = object_parts(schema, doc);
    if !properties.is_empty() {
        let mut obj = Map::new();
        for (name, prop) in properties {
            if required.contains(&name) {
                obj.insert(name, sample(prop, doc, depth + 1));
            }
        }
        return Value::Object(obj);
    }
    let t = match &schema["type"] {
        Value::Array(ts) => ts
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or_default(),
        other => other.clone(),
    };
    match t.as_str().unwrap_or_default() {
        "integer" => json!(1),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "array" => json!([sample(&schema["items"], doc, depth + 1)]),
        "string" => json!("text"),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_read_like_json() {
        let doc = json!({"components": {"schemas": {
            "Item": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "at": {"type": ["string", "null"], "format": "date-time"},
            }},
        }}});
        let s = shape(&json!({"$ref": "#/components/schemas/Item"}), &doc, 0);
        assert!(s.contains("\"id\": integer,"), "{s}");
        assert!(s.contains("\"tags\"?: [string],"), "{s}");
        assert!(s.contains("\"at\"?: string (date-time) | null,"), "{s}");
        let ex = sample(&json!({"$ref": "#/components/schemas/Item"}), &doc, 0);
        assert_eq!(ex, json!({"id": 1}));
    }

    #[test]
    fn code_spans_are_marked() {
        let s = spans("with `q`, one page");
        assert_eq!(s.len(), 3);
        assert!(!s[0].code && s[1].code && s[1].text == "q" && !s[2].code);
    }

    #[test]
    fn curl_lines_fill_ids_and_quote_bodies() {
        let params = [Param {
            name: "id".into(),
            place: "path".into(),
            required: true,
            kind: "integer".into(),
            description: Vec::new(),
        }];
        let line = curl(
            "http://crm.local",
            "patch",
            "/api/v1/contacts/{id}",
            &params,
            true,
            Some(&json!({"name": "O'Brien"})),
        );
        assert_eq!(
            line,
            "curl -X PATCH -H \"Authorization: Bearer $CRM_TOKEN\" -H 'Content-Type: \
             application/json' -d '{\"name\":\"O'\\''Brien\"}' 'http://crm.local/api/v1/contacts/1'"
        );
    }
}
