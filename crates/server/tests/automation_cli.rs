//! Automation from the command line: `wharf rules …`, `wharf orders reprocess|hold|release`, `wharf store
//! map-service` and `wharf demo`, each run as a real process against a real database and the Sears sandbox.
//! The sandbox runs on the real clock here (the `wharf` process reads it), so T is today; expected values are
//! written by hand from crates/sears-sandbox/SEED.md.

mod support;

use std::process::{Output, Stdio};
use std::time::Duration;

use jiff::ToSpan;
use serde_json::{Value, json};
use support::{Backend, Harness, Setup};
use tokio::io::{AsyncBufReadExt, BufReader};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(h: &Harness, args: &[&str]) -> Output {
    h.wharf().args(args).output().await.expect("wharf runs")
}

async fn json(h: &Harness, args: &[&str]) -> Value {
    let out = run(h, args).await;
    assert!(out.status.success(), "wharf {args:?} failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("wharf {args:?} printed no JSON ({e}): {}", text(&out.stdout)))
}

/// Runs a command that must fail; returns what it printed on stderr.
async fn refused(h: &Harness, args: &[&str]) -> String {
    let out = run(h, args).await;
    assert!(!out.status.success(), "wharf {args:?} should have failed: {}", text(&out.stdout));
    text(&out.stderr)
}

/// The showcase orders imported, no rules yet.
async fn imported() -> Harness {
    let h = Harness::with(Backend::Sqlite, Setup { system_clock: true, ..Setup::default() }).await;
    let out = run(&h, &["import", "--store", "Sears test store"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    h
}

/// The rules of `rules list --json` without their save dates.
fn rules_only(listed: &Value) -> Vec<Value> {
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let map = r.as_object_mut().unwrap();
            assert!(map.remove("create_date").is_some() && map.remove("modify_date").is_some(), "{map:?}");
            r
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_added_checked_moved_previewed_applied_exported_and_imported() {
    let h = imported().await;
    assert_eq!(json(&h, &["rules", "list", "--json"]).await, json!([]));

    let gift = json(
        &h,
        &[
            "rules",
            "add",
            "--name",
            "Gift",
            "--when",
            r#"field = "gift", op = "is_true""#,
            "--then",
            r#"add_tag = "gift""#,
            "--json",
        ],
    )
    .await;
    assert_eq!(gift["name"], "Gift");
    assert_eq!(gift["position"], 1);
    assert_eq!(gift["enabled"], true);
    assert_eq!(gift["criteria"], json!([{"field": "gift", "op": "is_true"}]));
    assert_eq!(gift["actions"], json!([{"add_tag": "gift"}]));
    assert!(gift["id"].as_str().unwrap().starts_with("rul_"));

    // A service without a Sears shipping method is refused when the rule is saved, with the reason.
    let err = refused(
        &h,
        &[
            "rules",
            "add",
            "--name",
            "Three day select",
            "--then",
            r#"set_service = { carrier = "ups", service = "ups_3_day_select" }"#,
        ],
    )
    .await;
    assert!(err.contains("rule \"Three day select\""), "names the rule: {err}");
    assert!(err.contains("actions[0] (set_service)"), "names the field: {err}");
    assert!(err.contains("Sears lists no shipping method for UPS 3 Day Select"), "says why: {err}");
    let err = refused(
        &h,
        &["rules", "add", "--name", "X", "--when", r#"field = "gift", op = "truthy""#, "--then", "stop_processing"],
    )
    .await;
    assert!(err.contains("unknown operator \"truthy\""), "{err}");
    assert_eq!(json(&h, &["rules", "list", "--json"]).await.as_array().unwrap().len(), 1, "nothing saved");

    let file = h.data_dir.path().join("rush.toml");
    std::fs::write(
        &file,
        r#"name = "Rush"
criteria = [
    { any = [
        { field = "requested_service", op = "equals", value = "Express" },
        { field = "ship_by", op = "before", value = "now+24h" },
    ] },
]
actions = [{ add_tag = "rush" }, { set_custom_field_1 = "RUSH" }]
"#,
    )
    .unwrap();
    let rush = json(&h, &["rules", "add", "--file", file.to_str().unwrap(), "--json"]).await;
    assert_eq!((rush["name"].as_str(), rush["position"].as_u64()), (Some("Rush"), Some(2)));

    let listed = json(&h, &["rules", "move", "Rush", "--to", "1", "--json"]).await;
    let order: Vec<(&str, u64)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["position"].as_u64().unwrap()))
        .collect();
    assert_eq!(order, vec![("Rush", 1), ("Gift", 2)]);
    assert_eq!(json(&h, &["rules", "disable", "Gift", "--json"]).await["enabled"], false);
    assert_eq!(json(&h, &["rules", "enable", gift["id"].as_str().unwrap(), "--json"]).await["enabled"], true);
    let edited = json(&h, &["rules", "edit", "Gift", "--then", r#"add_tag = "present""#, "--json"]).await;
    assert_eq!(edited["actions"], json!([{"add_tag": "present"}]));
    assert_eq!(edited["criteria"], gift["criteria"], "what is not given stays");
    let human = text(&run(&h, &["rules", "list"]).await.stdout);
    assert!(human.contains("Rush") && human.contains("add_tag, set_custom_field_1"), "{human}");

    // The preview: SC-02 is the only gift order; nothing changes.
    let preview = json(&h, &["rules", "preview", "Gift", "--json"]).await;
    assert_eq!(preview["examined"], 12, "the open orders");
    let matches = preview["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0]["orderNumber"], "5000102");
    let change = &matches[0]["changes"][0];
    assert_eq!((&change["field"], &change["old"], &change["new"]), (&json!("tags"), &json!([]), &json!(["present"])));
    assert_eq!(change["actor"], json!({"kind": "rule", "ruleId": gift["id"], "ruleName": "Gift"}));
    assert_eq!(
        json(&h, &["orders", "show", "5000102", "--json"]).await["tags"],
        json!([]),
        "a preview changes nothing"
    );

    // Reprocess: SC-02 gets its tag; rush takes Express (SC-09, SC-15) and T-2 (SC-03, 04, 09, 10, 12).
    let first = json(&h, &["orders", "reprocess", "--all", "--json"]).await;
    assert_eq!((first["examined"].as_u64(), first["changed"].as_u64()), (Some(12), Some(7)));
    let second = json(&h, &["orders", "reprocess", "--all", "--json"]).await;
    assert_eq!((second["changed"].as_u64(), second["unchanged"].as_u64()), (Some(0), Some(12)));
    let sc02 = json(&h, &["orders", "show", "5000102", "--json"]).await;
    assert_eq!(sc02["tags"], json!(["present"]));
    let last = sc02["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"]["ruleName"], "Gift", "history names the rule");
    let sc09 = json(&h, &["orders", "show", "0060180", "--json"]).await;
    assert_eq!((&sc09["tags"], &sc09["advancedOptions"]["customField1"]), (&json!(["rush"]), &json!("RUSH")));
    let by_number = json(&h, &["orders", "reprocess", "5000111", "--json"]).await;
    assert!(by_number["skipped"][0]["reason"].as_str().unwrap().contains("shipped"), "{by_number}");

    // Export, remove, import: the same rules again.
    let before = rules_only(&json(&h, &["rules", "list", "--json"]).await);
    let exported = h.data_dir.path().join("rules.toml");
    let out = run(&h, &["rules", "export", "--output", exported.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let toml = std::fs::read_to_string(&exported).unwrap();
    assert!(toml.contains("name = \"Rush\"") && toml.contains("{ add_tag = \"present\" }"), "{toml}");
    let removed = json(&h, &["rules", "remove", "Gift", "--json"]).await;
    assert_eq!(removed["name"], "Gift");
    let summary = json(&h, &["rules", "import", exported.to_str().unwrap(), "--json"]).await;
    assert_eq!(summary, json!({"added": 1, "updated": 0, "unchanged": 1, "removed": 0, "mappingRows": 0}));
    assert_eq!(rules_only(&json(&h, &["rules", "list", "--json"]).await), before);

    let as_json = run(&h, &["rules", "export", "--format", "json"]).await;
    let exported = h.data_dir.path().join("rules.json");
    std::fs::write(&exported, &as_json.stdout).unwrap();
    let file: Value = serde_json::from_slice(&as_json.stdout).unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["rules"].as_array().unwrap().len(), 2);
    let summary = json(&h, &["rules", "import", exported.to_str().unwrap(), "--json"]).await;
    assert_eq!((summary["unchanged"].as_u64(), summary["added"].as_u64()), (Some(2), Some(0)));
    assert_eq!(rules_only(&json(&h, &["rules", "list", "--json"]).await), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_are_mapped_and_orders_held_and_released_from_the_command_line() {
    let h = imported().await;
    let store = "Sears test store";
    // The open orders' requested methods: Ground (SC-01, 03, 04, 05a, 08, 10, 12, 13, 14), Express (SC-09,
    // SC-15), Priority (SC-02; SC-11 is shipped).
    let unmapped = json(&h, &["store", "map-service", store, "--unmapped", "--json"]).await;
    let counts: Vec<(&str, u64)> = unmapped
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["requested"].as_str().unwrap(), u["orderCount"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, vec![("Ground", 9), ("Express", 2), ("Priority", 1)]);
    let mut express: Vec<&str> =
        unmapped[1]["exampleOrders"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    express.sort();
    assert_eq!(express, vec!["0060180", "5000115"]);
    assert_eq!(unmapped[0]["exampleOrders"].as_array().unwrap().len(), 3, "at most three examples");

    let rows = json(
        &h,
        &[
            "store",
            "map-service",
            store,
            "Ground",
            "--carrier",
            "ups",
            "--service",
            "ups_ground",
            "--package",
            "package",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        rows,
        json!([{"requested": "Ground", "carrierCode": "ups", "serviceCode": "ups_ground", "packageCode": "package"}])
    );
    let err =
        refused(&h, &["store", "map-service", store, "Express", "--carrier", "ups", "--service", "ups_3_day_select"])
            .await;
    assert!(err.contains("Sears lists no shipping method for UPS 3 Day Select"), "{err}");
    let err = refused(&h, &["store", "map-service", store, "Express", "--carrier", "ups"]).await;
    assert!(err.contains("--service"), "clap says what is missing: {err}");
    let unmapped = json(&h, &["store", "map-service", store, "--unmapped", "--json"]).await;
    assert_eq!(unmapped.as_array().unwrap().len(), 2, "Ground is mapped now: {unmapped}");
    // Orders already imported get the mapping when automation runs on them.
    let summary = json(&h, &["orders", "reprocess", "--store", store, "--status", "awaiting_shipment", "--json"]).await;
    assert_eq!(summary["changed"], 7, "SC-01, 03, 04, 05a, 08, 10, 14 (Ground, awaiting shipment)");
    assert_eq!(json(&h, &["orders", "show", "5000101", "--json"]).await["serviceCode"], "ups_ground");
    assert_eq!(json(&h, &["store", "map-service", store, "--remove", "Ground", "--json"]).await, json!([]));
    let err = refused(&h, &["store", "map-service", store, "--remove", "Ground"]).await;
    assert!(err.contains("not found"), "{err}");

    let today = wharf_domain::sears_time::central_date(jiff::Timestamp::now());
    let until = (today + 7.days()).to_string();
    let held = json(&h, &["orders", "hold", "5000101", "--until", &until, "--json"]).await;
    assert_eq!(held[0]["order"]["orderStatus"], "on_hold");
    assert_eq!(held[0]["order"]["holdUntilDate"], until.as_str());
    let shown = json(&h, &["orders", "show", "5000101", "--json"]).await;
    assert_eq!(shown["sources"]["orderStatus"], json!({"from": "seller"}), "automation never changes it");
    let history = shown["history"].as_array().unwrap();
    let last: Vec<(&Value, &Value)> = history[history.len() - 2..].iter().map(|e| (&e["actor"], &e["field"])).collect();
    assert_eq!(
        last,
        vec![
            (&json!({"kind": "seller"}), &json!("orderStatus")),
            (&json!({"kind": "seller"}), &json!("holdUntilDate"))
        ]
    );
    let err = refused(&h, &["orders", "hold", "5000105", "--until", &today.to_string()]).await;
    assert!(err.contains("is not after today"), "{err}");

    let released = json(&h, &["orders", "release", "5000101", "--json"]).await;
    assert_eq!(released[0]["order"]["orderStatus"], "awaiting_shipment");
    assert_eq!(released[0]["order"]["holdUntilDate"], Value::Null);
    let err = refused(&h, &["orders", "release", "5000101"]).await;
    assert!(err.contains("not on hold; there is nothing to release"), "{err}");
}

/// Reads the child's stdout until a line starts with `prefix`; returns the rest of that line.
async fn wait_for_line(child: &mut tokio::process::Child, prefix: &str) -> String {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
        panic!("the process ended before printing '{prefix}'");
    })
    .await
    .expect("the line is printed");
    tokio::spawn(async move { while lines.next_line().await.ok().flatten().is_some() {} });
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_comes_with_its_rules_and_mapping_at_work() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let wharf = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_wharf"));
        c.arg("--data-dir")
            .arg(dir.path())
            .env_remove("WHARF_DATABASE_URL")
            .env("WHARF_LOG", "warn")
            .kill_on_drop(true);
        c
    };
    let mut demo = wharf()
        .args(["demo", "--port", "0", "--orders", "0", "--new-order-every", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_line(&mut demo, "Wharf demo is running at ").await;
    let show = |number: &'static str| {
        let mut c = wharf();
        c.args(["orders", "show", number, "--json"]);
        c
    };
    // The import runs in the demo's own workers.
    let mut sc02 = Value::Null;
    for _ in 0..300 {
        let out = show("5000102").output().await.unwrap();
        if out.status.success() {
            sc02 = serde_json::from_slice(&out.stdout).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sc02["tags"], json!(["gift"]), "the demo's gift rule: {sc02}");
    assert_eq!(sc02["serviceCode"], "ups_2nd_day_air", "the demo's mapping of Priority");
    assert_eq!(sc02["advancedOptions"]["packingSlipTemplate"], "gift");
    let sc08: Value = serde_json::from_slice(&show("5000108").output().await.unwrap().stdout).unwrap();
    assert_eq!(sc08["tags"], json!(["manual-sears-update"]));

    let out = wharf().args(["rules", "list", "--json"]).output().await.unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec!["rul_demo-gift", "rul_demo-long-sku", "rul_demo-heavy", "rul_demo-rush", "rul_demo-appliance"]
    );
    // The packing slip the gift rule chooses is installed with it (a copy of Wharf's default slip).
    let out = wharf().args(["template", "list", "--json"]).output().await.unwrap();
    let templates: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = templates.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["gift"]);
    demo.start_kill().unwrap();
}
