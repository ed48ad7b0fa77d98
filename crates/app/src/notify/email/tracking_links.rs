//! Where a buyer follows a package: each carrier's public tracking page, by Wharf carrier code (`ups`) or
//! Sears carrier code (`UPS`, `FDE`, `SMRT`...). Carriers without a public page (LTL, `OTH`) have none.

use url::Url;

/// The tracking page of `tracking_number` at `carrier`, if Wharf knows one.
pub fn tracking_url(carrier: &str, tracking_number: &str) -> Option<String> {
    let (base, parameter) = match carrier.trim().to_ascii_uppercase().as_str() {
        "UPS" | "UPSM" | "UPSI" => ("https://www.ups.com/track", "tracknum"),
        "USPS" => ("https://tools.usps.com/go/TrackConfirmAction", "tLabels"),
        "FEDEX" | "FDE" | "SMRT" => ("https://www.fedex.com/fedextrack/", "trknbr"),
        "DHL" | "DHLC" => ("https://www.dhl.com/us-en/home/tracking/tracking-ecommerce.html", "tracking-id"),
        _ => return None,
    };
    let number = tracking_number.trim();
    if number.is_empty() {
        return None;
    }
    Url::parse_with_params(base, [(parameter, number)]).ok().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_by_wharf_or_sears_code() {
        assert_eq!(
            tracking_url("ups", "1ZW4RF010300000019").as_deref(),
            Some("https://www.ups.com/track?tracknum=1ZW4RF010300000019")
        );
        assert_eq!(
            tracking_url("USPS", "9400111899223100012345").as_deref(),
            Some("https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223100012345")
        );
        assert_eq!(
            tracking_url("FDE", "7489 1234").as_deref(),
            Some("https://www.fedex.com/fedextrack/?trknbr=7489+1234")
        );
        assert_eq!(tracking_url("OTH", "ABC123"), None);
        assert_eq!(tracking_url("ODFL", "PRO123"), None);
        assert_eq!(tracking_url("ups", " "), None);
    }
}
