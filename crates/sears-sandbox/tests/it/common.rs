//! What every integration test needs: a sandbox on a real loopback port with a fixed clock, a small HMAC signer of
//! the tests' own (not the client crate's), and helpers to read Sears XML and run xmllint.

use std::path::{Path, PathBuf};
use std::process::Command;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use jiff::civil::Date;
use reqwest::StatusCode;
use sha2::Sha256;
use wharf_sears_sandbox::{RunningSandbox, SandboxClock, SandboxConfig, SellerCredentials};

/// 2024-05-03T20:00:00Z is 15:00 CDT on Friday 2024-05-03: "T" of SEED.md is 2024-05-03.
pub const NOW: &str = "2024-05-03T20:00:00Z";

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// `HMAC-SHA256 emailaddress=..,timestamp=..,signature=..` signed at `at`, written from SPEC.md §2.1.
pub fn authorization(seller: &SellerCredentials, at: Timestamp) -> String {
    let timestamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    authorization_with(&seller.seller_id, &seller.email, &seller.auth_key, &timestamp)
}

pub fn authorization_with(seller_id: &str, email: &str, key: &str, timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{seller_id}:{email}:{timestamp}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("HMAC-SHA256 emailaddress={email},timestamp={timestamp},signature={signature}")
}

pub struct Sears {
    pub sandbox: RunningSandbox,
    pub client: reqwest::Client,
    pub seller: SellerCredentials,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The `error-detail` of an `api-response`, if that is what came back.
    pub fn error_detail(&self) -> Option<String> {
        api_response_child(&self.body, "error-detail")
    }

    pub fn document_id(&self) -> u64 {
        api_response_child(&self.body, "document-id")
            .unwrap_or_else(|| panic!("expected an api-response with a document-id, got: {}", self.body))
            .parse()
            .unwrap()
    }
}

fn api_response_child(xml: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "api-response" {
        return None;
    }
    assert_eq!(root.tag_name().namespace(), Some("http://seller.marketplace.sears.com/shared/v1"));
    root.children().find(|c| c.has_tag_name((SHARED_NS, name))).map(|c| c.text().unwrap_or_default().to_owned())
}

pub const SHARED_NS: &str = "http://seller.marketplace.sears.com/shared/v1";

pub async fn start(config: SandboxConfig) -> Sears {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = config.start().await.expect("the sandbox starts");
    let seller = sandbox.default_seller();
    Sears { sandbox, client: reqwest::Client::new(), seller }
}

/// A sandbox with the showcase set only, its clock fixed at [`NOW`].
pub async fn showcase() -> Sears {
    start(SandboxConfig { clock: SandboxClock::fixed(now()), ..SandboxConfig::default() }).await
}

impl Sears {
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}/SellerPortal/api/{path_and_query}", self.sandbox.base_url())
    }

    /// `sellerId=` of the default seller, to append to a query.
    pub fn seller_query(&self) -> String {
        format!("sellerId={}", self.seller.seller_id)
    }

    pub fn signed(&self) -> String {
        authorization(&self.seller, self.sandbox.control().now())
    }

    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.send(self.client.get(self.url(path_and_query)).header("authorization", self.signed())).await
    }

    pub async fn put(&self, path_and_query: &str, body: &str) -> Reply {
        let request = self
            .client
            .put(self.url(path_and_query))
            .header("authorization", self.signed())
            .header("content-type", "application/xml;charset=UTF-8")
            .body(body.to_owned());
        self.send(request).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let body = response.text().await.expect("a complete body");
        Reply { status, content_type, body }
    }

    /// GET purchase orders with the default seller and extra query text (`&status=New`...).
    pub async fn purchase_orders(&self, version: u8, query: &str) -> Reply {
        self.get(&format!("oms/purchaseorder/v{version}?{}{query}", self.seller_query())).await
    }

    pub async fn put_asn(&self, feed: &str) -> Reply {
        self.put(&format!("oms/asn/v7?{}", self.seller_query()), feed).await
    }

    pub async fn put_cancel(&self, feed: &str) -> Reply {
        self.put(&format!("oms/order/cancel/v1?{}", self.seller_query()), feed).await
    }

    pub async fn report(&self, document_id: u64) -> Reply {
        self.get(&format!("reports/v1/processing-report/{document_id}?{}", self.seller_query())).await
    }

    /// Polls the processing report until it is ready, asserting it says `In Process` first (default: one poll).
    pub async fn finished_report(&self, document_id: u64) -> String {
        let first = self.report(document_id).await;
        assert_eq!(status_of_report(&first.body).as_deref(), Some("In Process"), "{}", first.body);
        let second = self.report(document_id).await;
        assert_eq!(status_of_report(&second.body), None, "the report is ready on the second poll: {}", second.body);
        second.body
    }
}

/// `processing-report/status` when the report is not ready.
pub fn status_of_report(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.root_element()
        .children()
        .find(|c| c.has_tag_name((SHARED_NS, "status")))
        .and_then(|c| c.text())
        .map(str::to_owned)
}

/// The record results of a finished processing report: (records accepted, records with errors,
/// [(record-id, [error-info])]).
pub fn report_results(xml: &str) -> (u32, u32, Vec<(u32, Vec<String>)>) {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let find = |name: &str| doc.descendants().find(|n| n.has_tag_name((SHARED_NS, name)));
    let number = |name: &str| find(name).and_then(|n| n.text()).map(|t| t.parse().unwrap()).unwrap_or(0);
    let errors = doc
        .descendants()
        .filter(|n| n.has_tag_name((SHARED_NS, "error")))
        .map(|e| {
            let id = e.attribute("record-id").unwrap().parse().unwrap();
            let infos =
                e.children().filter(|c| c.is_element()).map(|c| c.text().unwrap_or_default().to_owned()).collect();
            (id, infos)
        })
        .collect();
    (number("records-accepted"), number("records-with-errors"), errors)
}

pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/sears")
}

/// Runs `spec/sears/validate XSD files...` over documents written to a temporary directory and returns, per
/// document, whether xmllint found it valid, and xmllint's messages.
pub fn xmllint_verdicts(xsd: &str, documents: &[String]) -> (Vec<bool>, String) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let path = dir.path().join(format!("doc-{i:05}.xml"));
            std::fs::write(&path, doc).unwrap();
            path
        })
        .collect();
    let mut verdicts = Vec::with_capacity(files.len());
    let mut messages = String::new();
    // xmllint's command line has a length limit; validate in batches.
    for chunk in files.chunks(400) {
        let output = Command::new(spec_dir().join("validate"))
            .arg(xsd)
            .args(chunk)
            .output()
            .expect("spec/sears/validate runs (it needs xmllint: apt-get install libxml2-utils)");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for file in chunk {
            let name = file.display().to_string();
            let valid = stderr.lines().any(|l| l == format!("{name} validates"));
            let invalid = stderr.lines().any(|l| l == format!("{name} fails to validate"))
                || stderr.lines().any(|l| l.starts_with(&format!("{name}:")) && l.contains("parser error"));
            assert!(valid != invalid, "xmllint gave no clear verdict for {name}:\n{stderr}");
            verdicts.push(valid);
        }
        messages.push_str(&stderr);
    }
    (verdicts, messages)
}

/// Asserts that every document is valid against the official XSD.
pub fn assert_valid(xsd: &str, documents: &[String]) {
    let (verdicts, messages) = xmllint_verdicts(xsd, documents);
    let invalid: Vec<usize> = verdicts.iter().enumerate().filter(|(_, ok)| !**ok).map(|(i, _)| i).collect();
    assert!(
        invalid.is_empty(),
        "documents {invalid:?} fail {xsd}:\n{}",
        messages.lines().filter(|l| !l.ends_with("validates")).take(30).collect::<Vec<_>>().join("\n")
    );
}

/// Elements and text of a parsed Sears document, by local name.
pub fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML ({e}): {xml}"))
}

pub fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

pub fn text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|c| c.text().unwrap_or_default().to_owned())
}

pub fn child_names(node: roxmltree::Node<'_, '_>) -> Vec<String> {
    node.children().filter(|c| c.is_element()).map(|c| c.tag_name().name().to_owned()).collect()
}

/// The `purchase-order` elements of a `po-response`.
pub fn purchase_orders<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    assert_eq!(doc.root_element().tag_name().name(), "po-response", "{:?}", doc.input_text());
    doc.root_element().children().filter(|c| c.is_element() && c.tag_name().name() == "purchase-order").collect()
}

/// The purchase order with this number and date.
pub fn find_po<'a, 'i>(doc: &'a roxmltree::Document<'i>, po_number: &str, po_date: &str) -> roxmltree::Node<'a, 'i> {
    purchase_orders(doc)
        .into_iter()
        .find(|po| {
            text(*po, "po-number").as_deref() == Some(po_number) && text(*po, "po-date").as_deref() == Some(po_date)
        })
        .unwrap_or_else(|| panic!("PO {po_number} of {po_date} is not in the response"))
}

/// A package of an ASN detail: (line-number, item-id, quantity).
pub type Package<'a> = (u32, &'a str, u32);
/// An ASN detail: (tracking number, carrier, method, packages).
pub type Detail<'a> = (&'a str, &'a str, &'a str, &'a [Package<'a>]);
/// A cancel detail: (line-number, item-id, reason).
pub type CancelLine<'a> = (u32, &'a str, &'a str);
/// An order-cancel record: (po-number, po-date, lines).
pub type CancelRecord<'a> = (&'a str, &'a str, &'a [CancelLine<'a>]);

/// An ASN v7 feed with one shipment.
pub fn asn(po_number: &str, po_date: &str, details: &[Detail<'_>]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<shipment-feed xmlns=\"http://seller.marketplace.sears.com/oms/v7\">\n",
    );
    xml.push_str(&asn_shipment(po_number, po_date, details));
    xml.push_str("</shipment-feed>\n");
    xml
}

/// One `shipment`: details are (tracking, carrier, method, packages).
pub fn asn_shipment(po_number: &str, po_date: &str, details: &[Detail<'_>]) -> String {
    let mut xml =
        format!("<shipment><header><po-number>{po_number}</po-number><po-date>{po_date}</po-date></header>\n");
    for (tracking, carrier, method, packages) in details {
        xml.push_str(&format!(
            "<detail><tracking-number>{tracking}</tracking-number><ship-date>2024-05-03</ship-date>\
             <shipping-carrier>{carrier}</shipping-carrier><shipping-method>{method}</shipping-method>"
        ));
        for (line, item, quantity) in *packages {
            xml.push_str(&format!(
                "<package-detail><line-number>{line}</line-number><item-id>{item}</item-id><quantity>{quantity}</quantity></package-detail>"
            ));
        }
        xml.push_str("</detail>\n");
    }
    xml.push_str("</shipment>\n");
    xml
}

/// An order-cancel v1 feed: each record is (po-number, po-date, [(line-number, item-id, reason)]).
pub fn cancel_feed(records: &[CancelRecord<'_>]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<order-cancel-feed xmlns=\"http://seller.marketplace.sears.com/oms/v1\">\n",
    );
    for (po_number, po_date, details) in records {
        xml.push_str(&format!(
            "<order-cancel><header><po-number>{po_number}</po-number><po-date>{po_date}</po-date></header>"
        ));
        for (line, item, reason) in *details {
            xml.push_str(&format!(
                "<detail><line-number>{line}</line-number><item-id>{item}</item-id>\
                 <cancel><line-status>Canceled</line-status><cancel-reason>{reason}</cancel-reason></cancel></detail>"
            ));
        }
        xml.push_str("</order-cancel>\n");
    }
    xml.push_str("</order-cancel-feed>\n");
    xml
}
