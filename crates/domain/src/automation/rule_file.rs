//! The rule file: rules (and optionally a service mapping) as readable TOML or JSON, for
//! `wharf rules export|import`. `example-rules.toml` beside this file is the documented example and the
//! demo rule set.

use serde::{Deserialize, Serialize};

use super::compile::{CompiledRules, RuleErrors};
use super::mapping::validate_mapping_entry;
use super::rule::{Criterion, Rule};
use crate::service_mapping::{ServiceMapping, ServiceMappingEntry};

/// The example and demo rule set (see the comments in the file).
pub const EXAMPLE_RULES_TOML: &str = include_str!("example-rules.toml");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The format version; this Wharf reads and writes 1.
    pub version: u32,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Requested service → carrier, service, package, for a store (the importer chooses which).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_mapping: Vec<MappingRow>,
}

/// One service-mapping row, in the file's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingRow {
    pub requested: String,
    pub carrier: String,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleFileError {
    #[error("the rule file does not read as TOML in the rule-file format: {0}(see example-rules.toml for the format)")]
    Toml(String),
    #[error("the rule file does not read as JSON in the rule-file format: {0} (see example-rules.toml for the format)")]
    Json(String),
    #[error("the rule file is version {0}; this Wharf reads version {v}: export it again from a Wharf of the same version", v = RuleFile::VERSION)]
    Version(u32),
    #[error("the rule file has rules Wharf cannot use; nothing was imported:\n{0}")]
    Rules(RuleErrors),
    #[error("the rule file's service mapping has rows Wharf cannot use; nothing was imported:\n{}", .0.join("\n"))]
    Mapping(Vec<String>),
}

impl RuleFile {
    pub const VERSION: u32 = 1;

    pub fn new(rules: Vec<Rule>) -> RuleFile {
        RuleFile { version: Self::VERSION, rules, service_mapping: Vec::new() }
    }

    /// Reads and checks a TOML rule file: every rule compiles, the enabled ones work as a set, every
    /// mapping row names codes Sears can take. All problems are reported at once.
    pub fn from_toml(text: &str) -> Result<RuleFile, RuleFileError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RuleFileError::Toml(e.to_string()))?;
        file.checked()
    }

    pub fn from_json(text: &str) -> Result<RuleFile, RuleFileError> {
        let file: RuleFile = serde_json::from_str(text).map_err(|e| RuleFileError::Json(e.to_string()))?;
        file.checked()
    }

    fn checked(self) -> Result<RuleFile, RuleFileError> {
        if self.version != Self::VERSION {
            return Err(RuleFileError::Version(self.version));
        }
        self.compile().map_err(RuleFileError::Rules)?;
        self.mapping_entries()?;
        Ok(self)
    }

    /// The rules, checked as a set and ready to run.
    pub fn compile(&self) -> Result<CompiledRules, RuleErrors> {
        CompiledRules::compile(&self.rules)
    }

    fn mapping_entries(&self) -> Result<Vec<ServiceMappingEntry>, RuleFileError> {
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for (i, row) in self.service_mapping.iter().enumerate() {
            let entry = ServiceMappingEntry {
                requested: row.requested.clone(),
                carrier_code: row.carrier.clone(),
                service_code: row.service.clone(),
                package_code: row.package.clone(),
            };
            match validate_mapping_entry(&entry) {
                Ok(entry) => entries.push(entry),
                Err(e) => problems.push(format!("service_mapping[{i}]: {e}")),
            }
        }
        if problems.is_empty() { Ok(entries) } else { Err(RuleFileError::Mapping(problems)) }
    }

    /// The file's service mapping (checked rows, codes in the table's spelling).
    pub fn service_mapping(&self) -> Result<ServiceMapping, RuleFileError> {
        let mut mapping = ServiceMapping::default();
        for entry in self.mapping_entries()? {
            mapping.set(entry);
        }
        Ok(mapping)
    }

    /// The example and demo rule set.
    pub fn example() -> RuleFile {
        RuleFile::from_toml(EXAMPLE_RULES_TOML).expect("example-rules.toml is valid (tested)")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("rule files always serialize")
    }

    /// Readable TOML: one `[[rules]]` table per rule, one criterion or action per line, groups indented.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str("# Wharf automation rules. Rules run top to bottom by position; see example-rules.toml.\n");
        push_key(&mut out, "version", &self.version);
        for rule in &self.rules {
            out.push_str("\n[[rules]]\n");
            push_key(&mut out, "id", &rule.id);
            push_key(&mut out, "name", &rule.name);
            push_key(&mut out, "enabled", &rule.enabled);
            push_key(&mut out, "position", &rule.position);
            out.push_str("criteria = [");
            push_criteria(&mut out, &rule.criteria, 1);
            out.push_str("]\nactions = [");
            if !rule.actions.is_empty() {
                out.push('\n');
                for action in &rule.actions {
                    out.push_str("    ");
                    out.push_str(&inline(action));
                    out.push_str(",\n");
                }
            }
            out.push_str("]\n");
        }
        for row in &self.service_mapping {
            out.push_str("\n[[service_mapping]]\n");
            push_key(&mut out, "requested", &row.requested);
            push_key(&mut out, "carrier", &row.carrier);
            push_key(&mut out, "service", &row.service);
            if let Some(package) = &row.package {
                push_key(&mut out, "package", package);
            }
        }
        out
    }
}

/// One value as inline TOML (strings quoted and escaped by the toml crate).
fn inline<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = String::new();
    value.serialize(toml::ser::ValueSerializer::new(&mut text)).expect("rule values serialize to TOML");
    text
}

fn push_key<T: Serialize + ?Sized>(out: &mut String, key: &str, value: &T) {
    out.push_str(key);
    out.push_str(" = ");
    out.push_str(&inline(value));
    out.push('\n');
}

/// The body of a criteria array: newline, one member per line at `depth`, groups opened on their own line
/// (a TOML inline table may span lines inside its arrays).
fn push_criteria(out: &mut String, criteria: &[Criterion], depth: usize) {
    if criteria.is_empty() {
        return;
    }
    out.push('\n');
    for criterion in criteria {
        out.push_str(&"    ".repeat(depth));
        match criterion {
            Criterion::All(members) | Criterion::Any(members) => {
                let key = if matches!(criterion, Criterion::All(_)) { "all" } else { "any" };
                out.push_str("{ ");
                out.push_str(key);
                out.push_str(" = [");
                push_criteria(out, members, depth + 1);
                if !members.is_empty() {
                    out.push_str(&"    ".repeat(depth));
                }
                out.push_str("] }");
            }
            test => out.push_str(&inline(test)),
        }
        out.push_str(",\n");
    }
}
