//! Shared test helpers: an independent neutral-form flattener (roxmltree), fixture paths, xmllint.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// XML whitespace only (not Unicode whitespace): the neutral form's trimming rule.
pub fn trim_xml(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// The neutral form of an element, computed generically with roxmltree (not with the crate's code):
/// `local-name[i]` segments relative to `node`; an element without element children maps to its
/// concatenated, trimmed text; attributes (roxmltree leaves out namespace declarations) map to
/// `path/@name`.
pub fn flatten(node: roxmltree::Node) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    flatten_into(node, "", &mut map);
    map
}

fn join(path: &str, segment: &str) -> String {
    if path.is_empty() { segment.to_owned() } else { format!("{path}/{segment}") }
}

fn flatten_into(node: roxmltree::Node, path: &str, map: &mut BTreeMap<String, String>) {
    for attribute in node.attributes() {
        map.insert(join(path, &format!("@{}", attribute.name())), trim_xml(attribute.value()).to_owned());
    }
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    if children.is_empty() {
        if !path.is_empty() {
            let text: String = node.children().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
            map.insert(path.to_owned(), trim_xml(&text).to_owned());
        }
        return;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for child in children {
        let name = child.tag_name().name();
        let index = counts.entry(name).or_insert(0);
        *index += 1;
        flatten_into(child, &join(path, &format!("{name}[{index}]")), map);
    }
}

/// The neutral forms of every `purchase-order` of a response (or of a lone `purchase-order`).
pub fn flatten_purchase_orders(xml: &[u8]) -> Vec<BTreeMap<String, String>> {
    let text = std::str::from_utf8(xml).expect("UTF-8");
    let document = roxmltree::Document::parse(text).expect("well-formed XML");
    let root = document.root_element();
    if root.tag_name().name() == "purchase-order" {
        return vec![flatten(root)];
    }
    root.children().filter(|n| n.is_element() && n.tag_name().name() == "purchase-order").map(flatten).collect()
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn spec_dir() -> PathBuf {
    crate_dir().join("../../spec/sears")
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(spec_dir().join("samples").join(name)).expect("sample exists")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(crate_dir().join("tests/fixtures").join(name)).expect("fixture exists")
}

/// Validates files with `spec/sears/validate` (xmllint). Panics with xmllint's messages when invalid.
pub fn validate(xsd: &str, files: &[&Path]) {
    let output = Command::new(spec_dir().join("validate"))
        .arg(xsd)
        .args(files)
        .output()
        .expect("spec/sears/validate runs (needs xmllint: apt-get install libxml2-utils)");
    assert!(
        output.status.success(),
        "{xsd} rejects {files:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Validates an XML text written by the client.
pub fn validate_text(xsd: &str, xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.xml");
    std::fs::write(&path, xml).unwrap();
    validate(xsd, &[&path]);
}

/// Whether xmllint rejects a text (for negative checks of the validator itself).
pub fn is_valid_text(xsd: &str, xml: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.xml");
    std::fs::write(&path, xml).unwrap();
    Command::new(spec_dir().join("validate")).arg(xsd).arg(&path).output().unwrap().status.success()
}
