//! Print settings: the packing-slip template, label messages, label printer resolution, slip paper and slip
//! footer, saved for the account or for one store. A store's settings override the account's field by field;
//! what neither sets is Wharf's default (the built-in template, 203 dpi, letter slips, no messages).

use wharf_documents::{Dpi, SlipPageSize, SlipTemplate, render_slip_pdf, sample_slip_data};
use wharf_domain::{AccountId, StoreId};
use wharf_storage::batches::PrintSettings;
use wharf_storage::templates::NamedSlipTemplate;

use super::label_messages::LabelMessageTemplates;
use crate::{App, AppError, AppResult};

/// Settings ready to print with.
#[derive(Debug, Clone)]
pub struct PrintSetup {
    pub template: SlipTemplate,
    /// True when the template is the seller's own (not Wharf's default).
    pub custom_template: bool,
    pub dpi: Dpi,
    pub slip_size: SlipPageSize,
    pub label_messages: LabelMessageTemplates,
    pub slip_footer: Option<String>,
}

pub fn parse_dpi(dpi: u32) -> AppResult<Dpi> {
    match dpi {
        203 => Ok(Dpi::Dpi203),
        300 => Ok(Dpi::Dpi300),
        other => Err(AppError::InvalidInput(format!(
            "label printers print at 203 or 300 dpi, not {other}; use --dpi 203 or --dpi 300"
        ))),
    }
}

pub fn parse_slip_size(text: &str) -> AppResult<SlipPageSize> {
    match text.trim().to_ascii_lowercase().as_str() {
        "letter" => Ok(SlipPageSize::Letter),
        "4x6" => Ok(SlipPageSize::FourBySix),
        other => Err(AppError::InvalidInput(format!("packing slips print on 'letter' or '4x6' paper, not {other:?}"))),
    }
}

pub fn slip_size_name(size: SlipPageSize) -> &'static str {
    match size {
        SlipPageSize::Letter => "letter",
        SlipPageSize::FourBySix => "4x6",
    }
}

/// A template the seller wrote, checked; the error says where the problem is.
pub fn parse_template(source: &str) -> AppResult<SlipTemplate> {
    SlipTemplate::parse(source)
        .map_err(|e| AppError::InvalidInput(format!("the packing-slip template is not valid: {e}")))
}

/// Checks every field of `settings`, so nothing unusable is saved.
pub fn validate(settings: &PrintSettings) -> AppResult<()> {
    if let Some(source) = &settings.slip_template {
        parse_template(source)?;
    }
    if let Some(lines) = &settings.label_messages {
        LabelMessageTemplates::parse(lines)?;
    }
    if let Some(dpi) = settings.dpi {
        parse_dpi(dpi)?;
    }
    if let Some(size) = &settings.slip_size {
        parse_slip_size(size)?;
    }
    Ok(())
}

/// `store`'s fields over `account`'s.
pub fn merge(account: PrintSettings, store: PrintSettings) -> PrintSettings {
    PrintSettings {
        slip_template: store.slip_template.or(account.slip_template),
        label_messages: store.label_messages.or(account.label_messages),
        dpi: store.dpi.or(account.dpi),
        slip_size: store.slip_size.or(account.slip_size),
        slip_footer: store.slip_footer.or(account.slip_footer),
    }
}

/// The saved settings of the account, with `store`'s over them when given.
pub async fn effective_settings(app: &App, account: &AccountId, store: Option<&StoreId>) -> AppResult<PrintSettings> {
    let account_wide = app.store.print_settings(account, None).await?;
    Ok(match store {
        Some(store) => merge(account_wide, app.store.print_settings(account, Some(store)).await?),
        None => account_wide,
    })
}

impl PrintSetup {
    pub fn from_settings(settings: &PrintSettings) -> AppResult<PrintSetup> {
        Ok(PrintSetup {
            template: match &settings.slip_template {
                Some(source) => parse_template(source)?,
                None => SlipTemplate::default(),
            },
            custom_template: settings.slip_template.is_some(),
            dpi: settings.dpi.map(parse_dpi).transpose()?.unwrap_or_default(),
            slip_size: settings.slip_size.as_deref().map(parse_slip_size).transpose()?.unwrap_or_default(),
            label_messages: match &settings.label_messages {
                Some(lines) => LabelMessageTemplates::parse(lines)?,
                None => LabelMessageTemplates::default(),
            },
            slip_footer: settings.slip_footer.clone().filter(|f| !f.trim().is_empty()),
        })
    }

    pub async fn load(app: &App, account: &AccountId, store: Option<&StoreId>) -> AppResult<PrintSetup> {
        PrintSetup::from_settings(&effective_settings(app, account, store).await?)
    }
}

/// Saves settings after checking them.
pub async fn save_settings(
    app: &App,
    account: &AccountId,
    store: Option<&StoreId>,
    settings: &PrintSettings,
) -> AppResult<()> {
    validate(settings)?;
    app.store
        .set_print_settings(account, store, settings, app.now())
        .await
        .map_err(|e| AppError::from_storage(e, "see `wharf store list`"))
}

/// The order notice saying that the packing-slip template automation chose no longer exists.
pub const NOTICE_SLIP_TEMPLATE_MISSING: &str = "packing_slip_template_missing";

/// A template name as saved: trimmed, not empty.
pub fn template_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::InvalidInput("a template name cannot be empty".into()));
    }
    Ok(name.to_owned())
}

/// Saves (or replaces) the account's packing-slip template `name`, after checking that it parses and
/// renders a packing slip of sample data; nothing is saved otherwise.
pub async fn save_named_slip_template(app: &App, account: &AccountId, name: &str, source: &str) -> AppResult<String> {
    let name = template_name(name)?;
    let template = parse_template(source)?;
    tokio::task::spawn_blocking(move || render_slip_pdf(&sample_slip_data(), &template, SlipPageSize::Letter))
        .await
        .map_err(|e| AppError::Io(format!("rendering the sample slip stopped: {e}")))?
        .map_err(|e| {
            AppError::InvalidInput(format!("the packing-slip template does not render the sample slip: {e}"))
        })?;
    app.store
        .put_named_slip_template(&NamedSlipTemplate {
            account_id: account.clone(),
            name: name.clone(),
            source: source.to_owned(),
            modify_date: app.now(),
        })
        .await?;
    Ok(name)
}

/// The account's packing-slip template `name`, checked; `None` if there is none of that name.
pub async fn named_slip_template(app: &App, account: &AccountId, name: &str) -> AppResult<Option<SlipTemplate>> {
    match app.store.named_slip_template(account, name.trim()).await? {
        Some(saved) => Ok(Some(parse_template(&saved.source).map_err(|e| {
            AppError::InvalidInput(format!("the packing-slip template '{}' no longer parses: {e}", saved.name))
        })?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stores_fields_win_over_the_accounts() {
        let account = PrintSettings {
            dpi: Some(300),
            slip_size: Some("4x6".into()),
            slip_footer: Some("Thanks".into()),
            ..Default::default()
        };
        let store =
            PrintSettings { dpi: Some(203), label_messages: Some(vec!["[Order #]".into()]), ..Default::default() };
        let merged = merge(account, store);
        assert_eq!(merged.dpi, Some(203));
        assert_eq!(merged.slip_size.as_deref(), Some("4x6"));
        assert_eq!(merged.slip_footer.as_deref(), Some("Thanks"));
        assert_eq!(merged.label_messages, Some(vec!["[Order #]".to_owned()]));
        let setup = PrintSetup::from_settings(&merged).unwrap();
        assert_eq!((setup.dpi, setup.slip_size, setup.custom_template), (Dpi::Dpi203, SlipPageSize::FourBySix, false));
    }

    #[test]
    fn nothing_unusable_is_accepted() {
        assert!(validate(&PrintSettings { dpi: Some(600), ..Default::default() }).is_err());
        assert!(validate(&PrintSettings { slip_size: Some("a4".into()), ..Default::default() }).is_err());
        let broken = PrintSettings { slip_template: Some("<slip>{% if %}</slip>".into()), ..Default::default() };
        let error = validate(&broken).unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
        let unknown = PrintSettings { label_messages: Some(vec!["[Colour]".into()]), ..Default::default() };
        assert!(validate(&unknown).is_err());
    }
}
