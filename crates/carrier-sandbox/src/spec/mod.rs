//! UPS's OpenAPI documents, vendored in `spec/ups/`, as a request and response validator.
//!
//! The sandbox validates every request it receives with this module, and its tests validate every
//! response it produces; the UPS connector's tests can validate the requests they build the same way:
//!
//! ```
//! use wharf_carrier_sandbox::spec::{self, Api, Profile};
//!
//! let body = serde_json::json!({ "XAVRequest": { "AddressKeyFormat": { "CountryCode": "USA" } } });
//! let violations = spec::operation(Api::AddressValidation, "POST", "/addressvalidation/{version}/{requestoption}")?
//!     .validate_request(&body, Profile::UpsGateway)
//!     .unwrap_err();
//! assert_eq!(violations.pointers(), ["/XAVRequest/AddressKeyFormat/CountryCode"]);
//! # Ok::<(), wharf_carrier_sandbox::spec::SpecError>(())
//! ```
//!
//! # Two profiles, because UPS's schemas disagree with UPS's own examples
//!
//! The schemas were generated from UPS's XML schemas and are stricter than the gateway that serves
//! them: most request examples in the same files fail them. [`Profile::AsWritten`] applies the
//! schemas exactly as written. [`Profile::UpsGateway`] applies them the way the gateway (and the
//! examples) behave, with these relaxations and nothing else:
//!
//! 1. A single object is accepted where the schema declares an array of them (the documents
//!    themselves say repeating elements may be single objects; the examples send `Package` so).
//!    [`Operation::validate_request`] returns the body with such objects wrapped in arrays, so
//!    callers read one shape.
//! 2. A blank string where the schema declares an object is an absent element (the examples send
//!    `"ShipmentServiceOptions": ""`).
//! 3. `minLength` is not enforced: the generator copied each field's maximum into `minLength` as
//!    well (for example `Service.Code` has `minLength: 3` in Rating while every service code has
//!    two digits), and the examples send empty strings for absent values. `maxLength` is enforced.
//! 4. The `required` entries listed in [`GATEWAY_REQUIRED_OVERRIDES`] are dropped, each for the
//!    reason given there.
//!
//! Everything else (types, `maxLength`, `pattern`, `enum`, other `required` entries) applies as
//! written.

mod normalize;
mod profile;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

pub use normalize::NormalizedRequest;
pub use profile::{GATEWAY_REQUIRED_OVERRIDES, RequiredOverride};

/// One of the vendored UPS API documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `OAuthClientCredentials.yaml`: `POST /security/v1/oauth/token`.
    OAuth,
    /// `AddressValidation.yaml`: `POST /api/addressvalidation/{version}/{requestoption}`.
    AddressValidation,
    /// `Rating.yaml`: `POST /api/rating/{version}/{requestoption}`.
    Rating,
    /// `Shipping.yaml`: ship, void and label recovery under `/api/shipments` and `/api/labels`.
    Shipping,
    /// `Tracking.yaml`: `GET /api/track/v1/...`.
    Tracking,
}

impl Api {
    /// Every vendored document.
    pub const ALL: [Api; 5] = [Api::OAuth, Api::AddressValidation, Api::Rating, Api::Shipping, Api::Tracking];

    /// The vendored file's name under `spec/ups/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Api::OAuth => "OAuthClientCredentials.yaml",
            Api::AddressValidation => "AddressValidation.yaml",
            Api::Rating => "Rating.yaml",
            Api::Shipping => "Shipping.yaml",
            Api::Tracking => "Tracking.yaml",
        }
    }

    /// The path prefix of the document's server URL (`https://onlinetools.ups.com/api` for all but
    /// OAuth, whose paths are absolute): a spec path `P` is served at `{prefix}{P}`.
    pub fn server_prefix(self) -> &'static str {
        match self {
            Api::OAuth => "",
            _ => "/api",
        }
    }

    fn yaml(self) -> &'static str {
        match self {
            Api::OAuth => include_str!("../../../../spec/ups/OAuthClientCredentials.yaml"),
            Api::AddressValidation => include_str!("../../../../spec/ups/AddressValidation.yaml"),
            Api::Rating => include_str!("../../../../spec/ups/Rating.yaml"),
            Api::Shipping => include_str!("../../../../spec/ups/Shipping.yaml"),
            Api::Tracking => include_str!("../../../../spec/ups/Tracking.yaml"),
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// How strictly the schemas apply; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The schemas exactly as UPS wrote them.
    AsWritten,
    /// The schemas as UPS's gateway applies them (the documented relaxations).
    UpsGateway,
}

/// What went wrong looking something up in the vendored documents.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The vendored YAML did not parse (the file in `spec/ups/` was changed or damaged).
    #[error("{api} does not parse as YAML: {reason}; restore the vendored file from UPS's published spec")]
    Unparseable { api: Api, reason: String },
    /// No such operation in the document.
    #[error(
        "{api} has no operation {method} {path}; use a path template exactly as the document writes it, e.g. /shipments/{{version}}/ship"
    )]
    UnknownOperation { api: Api, method: String, path: String },
    /// The operation has no JSON request body (for example a GET).
    #[error("{api} {method} {path} takes no request body")]
    NoRequestBody { api: Api, method: String, path: String },
    /// The operation documents no body for this response status.
    #[error("{api} {method} {path} documents no response body for status {status}")]
    UndocumentedResponse { api: Api, method: String, path: String, status: u16 },
    /// A schema in the document could not be compiled.
    #[error("{api}: the schema at {pointer} does not compile: {reason}")]
    Schema { api: Api, pointer: String, reason: String },
}

/// One place where a JSON document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer into the validated document (`""` is the whole document).
    pub pointer: String,
    /// What is wrong there, in the validator's words.
    pub message: String,
    /// JSON pointer of the violated keyword, from the schema the validator was built from.
    pub schema_path: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() { "(document)" } else { &self.pointer };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// Every violation found in one document (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// The JSON pointers of the violations, in the order the validator found them.
    pub fn pointers(&self) -> Vec<&str> {
        self.0.iter().map(|violation| violation.pointer.as_str()).collect()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} schema violation(s): ", self.0.len())?;
        for (index, violation) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// A request example shipped in the document (`requestBody.content.*.examples`).
#[derive(Debug, Clone)]
pub struct RequestExample {
    /// The example's key in the document.
    pub name: String,
    /// Its `summary`, if any.
    pub summary: Option<String>,
    /// The example body.
    pub value: Value,
}

/// A parsed vendored document.
pub struct SpecDocument {
    api: Api,
    root: Value,
}

impl fmt::Debug for SpecDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpecDocument").field("api", &self.api).finish_non_exhaustive()
    }
}

static DOCUMENTS: LazyLock<Mutex<HashMap<Api, &'static SpecDocument>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The parsed document of `api` (parsed once per process, then shared).
pub fn document(api: Api) -> Result<&'static SpecDocument, SpecError> {
    let mut documents = DOCUMENTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(document) = documents.get(&api) {
        return Ok(document);
    }
    // YAML 1.2 booleans only, as OpenAPI documents are written: `StateProvinceCode: ON` (Ontario)
    // and `PartiesToTransaction: N` in UPS's examples are strings, not YAML 1.1 booleans.
    let options = serde_saphyr::options! { strict_booleans: true };
    let root: Value = serde_saphyr::from_str_with_options(api.yaml(), options)
        .map_err(|error| SpecError::Unparseable { api, reason: error.to_string() })?;
    // Leaked on purpose: five documents, parsed once, alive for the whole process.
    let document: &'static SpecDocument = Box::leak(Box::new(SpecDocument { api, root }));
    documents.insert(api, document);
    Ok(document)
}

/// Shorthand for `document(api)?.operation(method, path)`.
pub fn operation(api: Api, method: &str, path: &str) -> Result<Operation, SpecError> {
    document(api)?.operation(method, path)
}

impl SpecDocument {
    /// Which document this is.
    pub fn api(&self) -> Api {
        self.api
    }

    /// The whole document as JSON.
    pub fn json(&self) -> &Value {
        &self.root
    }

    /// The operation at `path` (a path template exactly as the document writes it, e.g.
    /// `/shipments/{version}/ship`) and `method` (any case).
    pub fn operation(&'static self, method: &str, path: &str) -> Result<Operation, SpecError> {
        let method_key = method.to_ascii_lowercase();
        let pointer = format!("/paths/{}/{method_key}", escape_pointer_segment(path));
        match self.root.pointer(&pointer) {
            Some(definition) if definition.is_object() => Ok(Operation {
                document: self,
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
                pointer,
                definition,
            }),
            _ => Err(SpecError::UnknownOperation {
                api: self.api,
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
            }),
        }
    }

    /// Every operation in the document, as (METHOD, path template).
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut operations = Vec::new();
        if let Some(paths) = self.root.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                if let Some(item) = item.as_object() {
                    for method in ["get", "put", "post", "delete", "patch"] {
                        if item.contains_key(method) {
                            operations.push((method.to_ascii_uppercase(), path.clone()));
                        }
                    }
                }
            }
        }
        operations
    }
}

/// One operation (path template + method) of a document.
#[derive(Clone)]
pub struct Operation {
    document: &'static SpecDocument,
    method: String,
    path: String,
    pointer: String,
    definition: &'static Value,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Operation({} {} {})", self.document.api, self.method, self.path)
    }
}

impl Operation {
    /// The operation's definition in the document.
    pub fn definition(&self) -> &'static Value {
        self.definition
    }

    /// The operation's `operationId`.
    pub fn operation_id(&self) -> Option<&'static str> {
        self.definition.get("operationId").and_then(Value::as_str)
    }

    /// The request body's content entry: `application/json` if documented, else the only one.
    fn request_content(&self) -> Option<(String, &'static Value)> {
        let content = self.definition.pointer("/requestBody/content")?.as_object()?;
        if let Some(json) = content.get("application/json") {
            return Some(("application/json".to_owned(), json));
        }
        content.iter().next().map(|(media_type, entry)| (media_type.clone(), entry))
    }

    /// The examples the document gives for the request body, in document order.
    pub fn request_examples(&self) -> Vec<RequestExample> {
        let Some((_, content)) = self.request_content() else {
            return Vec::new();
        };
        let Some(examples) = content.get("examples").and_then(Value::as_object) else {
            return Vec::new();
        };
        examples
            .iter()
            .filter_map(|(name, example)| {
                Some(RequestExample {
                    name: name.clone(),
                    summary: example.get("summary").and_then(Value::as_str).map(str::to_owned),
                    value: example.get("value")?.clone(),
                })
            })
            .collect()
    }

    /// Validates a request body (a form body as a JSON object of its fields) against the
    /// operation's request schema. On success returns the body as the sandbox reads it: under
    /// [`Profile::UpsGateway`] single objects are wrapped where arrays are declared and blank
    /// strings standing for objects are removed; under [`Profile::AsWritten`] it is unchanged.
    /// Violation pointers always point into `body` as given.
    pub fn validate_request(&self, body: &Value, profile: Profile) -> Result<NormalizedRequest, Violations> {
        let (media_type, _) = self.request_content().ok_or_else(|| internal_violation(self.no_request_body()))?;
        let schema_pointer =
            format!("{}/requestBody/content/{}/schema", self.pointer, escape_pointer_segment(&media_type));
        let validator = self.validator(&schema_pointer, profile).map_err(internal_violation)?;
        let normalized = match profile {
            Profile::UpsGateway => normalize::normalize(&self.document.root, &schema_pointer, body),
            Profile::AsWritten => NormalizedRequest::unchanged(body.clone()),
        };
        let violations =
            collect_violations(&validator, normalized.body(), |pointer| normalized.original_pointer(pointer));
        if violations.is_empty() { Ok(normalized) } else { Err(Violations(violations)) }
    }

    /// Validates a response body against the schema documented for `status` (JSON content).
    /// Responses are not normalized: arrays must be arrays.
    pub fn validate_response(&self, status: u16, body: &Value, profile: Profile) -> Result<(), Violations> {
        let schema_pointer = self.response_schema_pointer(status).map_err(internal_violation)?;
        let validator = self.validator(&schema_pointer, profile).map_err(internal_violation)?;
        let violations = collect_violations(&validator, body, str::to_owned);
        if violations.is_empty() { Ok(()) } else { Err(Violations(violations)) }
    }

    fn response_schema_pointer(&self, status: u16) -> Result<String, SpecError> {
        let responses = self.definition.get("responses").and_then(Value::as_object);
        let key = status.to_string();
        let found = responses.and_then(|responses| {
            let (key, response) = responses.get_key_value(&key).or_else(|| responses.get_key_value("default"))?;
            let content = response.get("content")?.as_object()?;
            let media_type = if content.contains_key("application/json") {
                "application/json".to_owned()
            } else {
                content.keys().next()?.clone()
            };
            content.get(&media_type)?.get("schema")?;
            Some(format!(
                "{}/responses/{}/content/{}/schema",
                self.pointer,
                escape_pointer_segment(key),
                escape_pointer_segment(&media_type)
            ))
        });
        found.ok_or_else(|| SpecError::UndocumentedResponse {
            api: self.document.api,
            method: self.method.clone(),
            path: self.path.clone(),
            status,
        })
    }

    fn no_request_body(&self) -> SpecError {
        SpecError::NoRequestBody { api: self.document.api, method: self.method.clone(), path: self.path.clone() }
    }

    fn validator(&self, schema_pointer: &str, profile: Profile) -> Result<Arc<jsonschema::Validator>, SpecError> {
        compiled_validator(self.document, schema_pointer, profile)
    }
}

type ValidatorKey = (Api, String, Profile);

static VALIDATORS: LazyLock<Mutex<HashMap<ValidatorKey, Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Compiles (once per process) the schema at `schema_pointer` of `document` under `profile`.
fn compiled_validator(
    document: &'static SpecDocument,
    schema_pointer: &str,
    profile: Profile,
) -> Result<Arc<jsonschema::Validator>, SpecError> {
    let key = (document.api, schema_pointer.to_owned(), profile);
    if let Some(validator) = VALIDATORS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&key) {
        return Ok(Arc::clone(validator));
    }
    let schema_error =
        |reason: String| SpecError::Schema { api: document.api, pointer: schema_pointer.to_owned(), reason };
    let schema =
        document.root.pointer(schema_pointer).ok_or_else(|| schema_error("no schema at this pointer".to_owned()))?;
    // The schema becomes the root of a document that also carries `components`, so its
    // `#/components/schemas/...` references resolve exactly as in the OpenAPI file.
    let mut root = profile::apply(schema, profile);
    let components = document.root.get("components").cloned().unwrap_or(Value::Null);
    if let Value::Object(map) = &mut root {
        map.insert("components".to_owned(), profile::apply_to_components(document.api, &components, profile));
    }
    // OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 (boolean exclusiveMinimum, no
    // `const`); formats are annotations only, as the document uses them ("int32").
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .build(&root)
        .map_err(|error| schema_error(error.to_string()))?;
    let validator = Arc::new(validator);
    VALIDATORS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key, Arc::clone(&validator));
    Ok(validator)
}

fn collect_violations(
    validator: &jsonschema::Validator,
    instance: &Value,
    to_original: impl Fn(&str) -> String,
) -> Vec<Violation> {
    validator
        .iter_errors(instance)
        .map(|error| {
            // Objects and arrays are named, not dumped: a whole Package in a message helps no one.
            let message = match error.instance().as_ref() {
                Value::Object(_) | Value::Array(_) => error.masked_with("the value").to_string(),
                _ => error.to_string(),
            };
            Violation {
                pointer: to_original(error.instance_path().as_str()),
                message,
                schema_path: error.schema_path().as_str().to_owned(),
            }
        })
        .collect()
}

fn internal_violation(error: SpecError) -> Violations {
    Violations(vec![Violation { pointer: String::new(), message: error.to_string(), schema_path: String::new() }])
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
