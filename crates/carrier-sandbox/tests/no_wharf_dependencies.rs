//! The sandbox must not agree with Wharf's UPS connector because they share code: it depends on
//! no Wharf crate (architecture: "Depends on no Wharf crate").

#[test]
fn cargo_toml_names_no_wharf_crate() {
    let manifest: toml::Table = include_str!("../Cargo.toml").parse().expect("Cargo.toml parses");
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(dependencies) = manifest.get(section).and_then(toml::Value::as_table) else {
            continue;
        };
        for (name, spec) in dependencies {
            let package = spec.get("package").and_then(toml::Value::as_str).unwrap_or(name);
            assert!(
                !name.starts_with("wharf") && !package.starts_with("wharf"),
                "[{section}] depends on the Wharf crate {name} ({package}): the sandbox must stay independent"
            );
        }
    }
    assert!(manifest.get("target").is_none(), "no target-specific dependencies to hide one in");
}
