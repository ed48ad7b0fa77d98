//! The processing report of an accepted feed (`GET reports/v1/processing-report/{document-id}`, SPEC §6):
//! `In Process` until Sears has processed the feed, then a summary and per-record errors and warnings.

use jiff::civil::Date;
use serde::Serialize;

use crate::api_response::DocumentId;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{At, Cursor, Element, Extras, Result, UnknownItem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessingReport {
    pub namespace: Option<String>,
    pub deprecated: Option<Date>,
    pub document_id: DocumentId,
    pub state: ProcessingState,
    pub unknown: Vec<UnknownItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ProcessingState {
    /// Not processed yet; `status` is Sears's text (`In Process`). Poll again later.
    InProcess { status: String },
    /// Processed.
    Done(Report),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub warnings: Vec<RecordMessages>,
    pub errors: Vec<RecordMessages>,
    /// Deals feeds only.
    pub deals: Vec<Deal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub description: Option<String>,
    pub record_count: Option<u64>,
    pub records_with_warnings: Option<u64>,
    pub records_with_errors: Option<u64>,
    pub records_accepted: Option<u64>,
}

/// The messages about one record of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordMessages {
    /// 1-based position of the record in the submitted feed (for an ASN: the `shipment`).
    pub record_id: u64,
    pub messages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deal {
    pub seller_deal_id: String,
    pub id: String,
}

impl ProcessingReport {
    pub fn is_in_process(&self) -> bool {
        matches!(self.state, ProcessingState::InProcess { .. })
    }

    pub fn parse(bytes: &[u8]) -> std::result::Result<ProcessingReport, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != b"processing-report" {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "a processing-report".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let namespace = c.default_namespace(&root);
        c.attributes(&root, At::Origin, [], &mut x)?;
        c.enter(&root);
        c.set_path_origin();
        let (mut deprecated, mut document_id, mut state) = (None, None, None);
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"deprecated" if deprecated.is_none() => deprecated = Some(c.date(&el, &mut x)?),
                b"document-id" if document_id.is_none() => document_id = Some(DocumentId(c.whole(&el, &mut x)?)),
                b"status" if state.is_none() => {
                    state = Some(ProcessingState::InProcess { status: c.string(&el, &mut x)? })
                }
                b"report" if state.is_none() => state = Some(ProcessingState::Done(read_report(&mut c, &el, &mut x)?)),
                _ => c.unknown(&el, &mut x)?,
            }
        }
        c.finish()?;
        let document_id = document_id.ok_or_else(|| c.missing(&root, "document-id"))?;
        let state = state.ok_or_else(|| c.missing(&root, "status> or <report"))?;
        Ok(ProcessingReport { namespace, deprecated, document_id, state, unknown: x.unknown })
    }
}

fn enter_container<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<()> {
    c.attributes(element, At::Child, [], x)?;
    c.enter(element);
    Ok(())
}

fn read_report<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<Report> {
    enter_container(c, element, x)?;
    let mut report = Report::default();
    let mut have_summary = false;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"summary" if !have_summary => {
                enter_container(c, &el, x)?;
                let s = &mut report.summary;
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"description" if s.description.is_none() => s.description = Some(c.string(&el, x)?),
                        b"record-count" if s.record_count.is_none() => s.record_count = Some(c.whole(&el, x)?),
                        b"records-with-warnings" if s.records_with_warnings.is_none() => {
                            s.records_with_warnings = Some(c.whole(&el, x)?)
                        }
                        b"records-with-errors" if s.records_with_errors.is_none() => {
                            s.records_with_errors = Some(c.whole(&el, x)?)
                        }
                        b"records-accepted" if s.records_accepted.is_none() => {
                            s.records_accepted = Some(c.whole(&el, x)?)
                        }
                        _ => c.unknown(&el, x)?,
                    }
                }
                have_summary = true;
            }
            b"detail" => {
                enter_container(c, &el, x)?;
                while let Some(el) = c.next_child()? {
                    match el.local_name() {
                        b"warnings" => read_records(c, &el, x, b"warning", b"warning-info", &mut report.warnings)?,
                        b"errors" => read_records(c, &el, x, b"error", b"error-info", &mut report.errors)?,
                        _ => c.unknown(&el, x)?,
                    }
                }
            }
            b"deals-info" => {
                enter_container(c, &el, x)?;
                while let Some(el) = c.next_child()? {
                    if el.local_name() != b"deal" {
                        c.unknown(&el, x)?;
                        continue;
                    }
                    let [seller_deal_id, id] = c.attributes(&el, At::Child, ["seller-deal-id", "id"], x)?;
                    c.skip(&el)?;
                    report.deals.push(Deal {
                        seller_deal_id: seller_deal_id.ok_or_else(|| {
                            c.error(el.offset, Some("deal"), DecodeErrorKind::MissingAttribute("seller-deal-id".into()))
                        })?,
                        id: id.ok_or_else(|| {
                            c.error(el.offset, Some("deal"), DecodeErrorKind::MissingAttribute("id".into()))
                        })?,
                    });
                }
            }
            _ => c.unknown(&el, x)?,
        }
    }
    if !have_summary {
        return Err(c.missing(element, "summary"));
    }
    Ok(report)
}

fn read_records<'a>(
    c: &mut Cursor<'a>,
    element: &Element<'a>,
    x: &mut Extras,
    record: &[u8],
    info: &[u8],
    out: &mut Vec<RecordMessages>,
) -> Result<()> {
    enter_container(c, element, x)?;
    while let Some(el) = c.next_child()? {
        if el.local_name() != record {
            c.unknown(&el, x)?;
            continue;
        }
        let [record_id] = c.attributes(&el, At::Child, ["record-id"], x)?;
        let record_id = record_id.ok_or_else(|| {
            c.error(el.offset, Some(el.name()), DecodeErrorKind::MissingAttribute("record-id".into()))
        })?;
        let record_id = crate::lexical::unsigned::<u64>(crate::xml_read::trim_xml(&record_id))
            .map(|parsed| parsed.value)
            .ok_or_else(|| c.error(el.offset, Some(el.name()), DecodeErrorKind::NotAWholeNumber(record_id.clone())))?;
        c.enter(&el);
        let mut messages = Vec::new();
        while let Some(child) = c.next_child()? {
            if child.local_name() == info {
                messages.push(c.string(&child, x)?);
            } else {
                c.unknown(&child, x)?;
            }
        }
        out.push(RecordMessages { record_id, messages });
    }
    Ok(())
}
