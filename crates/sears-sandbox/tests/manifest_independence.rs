//! The sandbox imitates Sears from the spec alone: it must not depend on any Wharf crate (least of all the client
//! it is meant to check), in any dependency table.

use std::path::Path;

fn dependency_tables(manifest: &toml::Table) -> Vec<(String, &toml::Table)> {
    let mut tables = Vec::new();
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(table) = manifest.get(kind).and_then(toml::Value::as_table) {
            tables.push((kind.to_owned(), table));
        }
        if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
            for (target, spec) in targets {
                if let Some(table) = spec.get(kind).and_then(toml::Value::as_table) {
                    tables.push((format!("target.{target}.{kind}"), table));
                }
            }
        }
    }
    tables
}

/// The Wharf dependencies a manifest declares: by name, by `package = "wharf-..."`, or by a path into crates/.
fn wharf_dependencies(manifest_text: &str) -> Vec<String> {
    let manifest: toml::Table = manifest_text.parse().expect("Cargo.toml parses");
    let mut found = Vec::new();
    for (table_name, table) in dependency_tables(&manifest) {
        for (name, spec) in table {
            let package = spec.get("package").and_then(toml::Value::as_str).unwrap_or(name);
            let path = spec.get("path").and_then(toml::Value::as_str).unwrap_or_default();
            if package.starts_with("wharf")
                || name.starts_with("wharf")
                || path.contains("crates/")
                || path.starts_with("..")
            {
                found.push(format!("{table_name}: {name}"));
            }
        }
    }
    found
}

#[test]
fn the_sandbox_depends_on_no_wharf_crate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).expect("the crate's Cargo.toml is readable");
    let found = wharf_dependencies(&text);
    assert!(found.is_empty(), "{} must not depend on Wharf crates, found: {found:?}", path.display());
}

#[test]
fn the_check_catches_every_kind_of_wharf_dependency() {
    let manifest = r#"
        [dependencies]
        serde = "1"
        wharf-sears.workspace = true
        client = { package = "wharf-sears", path = "../sears" }
        [dev-dependencies]
        wharf-domain = { workspace = true }
        [build-dependencies]
        helper = { path = "../../crates/app" }
        [target.'cfg(unix)'.dependencies]
        wharf-storage = "0.1"
    "#;
    let mut found = wharf_dependencies(manifest);
    found.sort();
    assert_eq!(
        found,
        vec![
            "build-dependencies: helper",
            "dependencies: client",
            "dependencies: wharf-sears",
            "dev-dependencies: wharf-domain",
            "target.cfg(unix).dependencies: wharf-storage",
        ]
    );
}
