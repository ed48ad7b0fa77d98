//! The sandbox's address rules: which ZIP codes it recognises, how it classifies addresses, and
//! how it answers street-level address validation. Documented in the crate README.

/// US states (and DC, PR) by the first three digits of the ZIP code: an approximation of the
/// USPS ZIP3 ranges, enough for the sandbox to recognise an address and catch a state/ZIP
/// mismatch. Ranges are inclusive.
const ZIP3_STATES: &[(u16, u16, &str)] = &[
    (5, 5, "NY"),
    (6, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 205, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 715, "LA"),
    (716, 729, "AR"),
    (730, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (885, 885, "TX"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (967, 968, "HI"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
];

/// The five-digit ZIP (and the +4, if given) of a US postal code written `12345`, `12345-6789`
/// or `123456789`; `None` if it is none of these.
pub fn parse_us_postal_code(postal_code: &str) -> Option<(String, Option<String>)> {
    let postal_code = postal_code.trim();
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    match postal_code.len() {
        5 if digits(postal_code) => Some((postal_code.to_owned(), None)),
        9 if digits(postal_code) => Some((postal_code[..5].to_owned(), Some(postal_code[5..].to_owned()))),
        10 if digits(&postal_code[..5]) && &postal_code[5..6] == "-" && digits(&postal_code[6..]) => {
            Some((postal_code[..5].to_owned(), Some(postal_code[6..].to_owned())))
        }
        _ => None,
    }
}

/// The state (two letters) the sandbox places a five-digit ZIP in, if it recognises it.
pub fn state_of_zip(zip5: &str) -> Option<&'static str> {
    let zip3: u16 = zip5.get(..3)?.parse().ok()?;
    ZIP3_STATES.iter().find(|(low, high, _)| (*low..=*high).contains(&zip3)).map(|(_, _, state)| *state)
}

/// Address classification, with UPS's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    Unclassified,
    Commercial,
    Residential,
}

impl Classification {
    /// UPS's code: 0, 1 or 2.
    pub fn code(self) -> &'static str {
        match self {
            Classification::Unclassified => "0",
            Classification::Commercial => "1",
            Classification::Residential => "2",
        }
    }

    /// UPS's description.
    pub fn description(self) -> &'static str {
        match self {
            Classification::Unclassified => "UnClassified",
            Classification::Commercial => "Commercial",
            Classification::Residential => "Residential",
        }
    }
}

/// Words that make an address commercial: in an address line (a suite, building or floor), or in
/// the consignee name (a company form). Everything else with a recognised ZIP is residential.
const COMMERCIAL_LINE_WORDS: &[&str] = &["STE", "SUITE", "BLDG", "BUILDING", "FLOOR", "FL"];
const COMMERCIAL_NAME_WORDS: &[&str] =
    &["INC", "LLC", "CORP", "CORPORATION", "CO", "COMPANY", "LTD", "CENTERS", "CENTER"];

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_ascii_uppercase)
}

/// The sandbox's classification rule (see the README): commercial if an address line holds a
/// suite/building/floor word or the name holds a company word, residential otherwise.
pub fn classify(name: Option<&str>, address_lines: &[String]) -> Classification {
    let line_is_commercial =
        address_lines.iter().any(|line| words(line).any(|word| COMMERCIAL_LINE_WORDS.contains(&word.as_str())));
    let name_is_commercial =
        name.is_some_and(|name| words(name).any(|word| COMMERCIAL_NAME_WORDS.contains(&word.as_str())));
    if line_is_commercial || name_is_commercial { Classification::Commercial } else { Classification::Residential }
}

/// An address as the street-level validation reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressInput {
    pub consignee_name: Option<String>,
    pub address_lines: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub postal_extension: Option<String>,
    pub country_code: String,
}

impl AddressInput {
    /// Applies a `Region` ("CITY,ST,ZIP[-EXT]"), which per the spec overrides the city, state and
    /// postal fields when present.
    pub fn with_region(mut self, region: &str) -> Self {
        let parts: Vec<&str> = region.split(',').map(str::trim).collect();
        if let [city, state, postal] = parts.as_slice() {
            self.city = Some((*city).to_owned());
            self.state = Some((*state).to_owned());
            match parse_us_postal_code(postal) {
                Some((zip5, extension)) => {
                    self.postal_code = Some(zip5);
                    self.postal_extension = extension;
                }
                None => {
                    self.postal_code = Some((*postal).to_owned());
                    self.postal_extension = None;
                }
            }
        }
        self
    }
}

/// A candidate address returned by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub consignee_name: Option<String>,
    pub address_lines: Vec<String>,
    pub city: String,
    pub state: String,
    pub zip5: String,
    pub extension: Option<String>,
    pub classification: Classification,
}

/// The outcome of street-level validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The address is valid as given (normalized to upper case): one candidate.
    Valid(Candidate),
    /// The ZIP is recognised but belongs to another state: one candidate, in the ZIP's state.
    Ambiguous(Candidate),
    /// Not a US/PR address, unrecognised ZIP, or no house number in the first address line.
    NoCandidates,
}

/// Street-level validation by the sandbox's rules (see the README).
pub fn validate(input: &AddressInput) -> Verdict {
    if !matches!(input.country_code.as_str(), "US" | "PR") {
        return Verdict::NoCandidates;
    }
    let Some((zip5, extension)) = input
        .postal_code
        .as_deref()
        .and_then(parse_us_postal_code)
        .map(|(zip5, extension)| (zip5, extension.or_else(|| input.postal_extension.clone())))
    else {
        return Verdict::NoCandidates;
    };
    let Some(zip_state) = state_of_zip(&zip5) else {
        return Verdict::NoCandidates;
    };
    let has_house_number =
        input.address_lines.first().is_some_and(|line| line.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    let Some(city) = input.city.as_deref().filter(|city| !city.trim().is_empty()) else {
        return Verdict::NoCandidates;
    };
    if !has_house_number {
        return Verdict::NoCandidates;
    }
    let candidate = Candidate {
        consignee_name: input.consignee_name.as_deref().map(str::to_ascii_uppercase),
        address_lines: input.address_lines.iter().map(|line| line.trim().to_ascii_uppercase()).collect(),
        city: city.trim().to_ascii_uppercase(),
        state: zip_state.to_owned(),
        zip5,
        extension,
        classification: classify(input.consignee_name.as_deref(), &input.address_lines),
    };
    let given_state = input.state.as_deref().map(|state| state.trim().to_ascii_uppercase());
    if given_state.as_deref() == Some(zip_state) { Verdict::Valid(candidate) } else { Verdict::Ambiguous(candidate) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes_parse_in_the_three_us_forms() {
        assert_eq!(parse_us_postal_code("30005"), Some(("30005".into(), None)));
        assert_eq!(parse_us_postal_code("30076-1521"), Some(("30076".into(), Some("1521".into()))));
        assert_eq!(parse_us_postal_code("300761521"), Some(("30076".into(), Some("1521".into()))));
        assert_eq!(parse_us_postal_code("3007"), None);
        assert_eq!(parse_us_postal_code("L4G 3V2"), None);
    }

    #[test]
    fn zips_land_in_their_states() {
        assert_eq!(state_of_zip("21093"), Some("MD"));
        assert_eq!(state_of_zip("30005"), Some("GA"));
        assert_eq!(state_of_zip("92656"), Some("CA"));
        assert_eq!(state_of_zip("10013"), Some("NY"));
        assert_eq!(state_of_zip("00100"), None);
        assert_eq!(state_of_zip("96999"), None);
    }

    #[test]
    fn suites_and_company_names_are_commercial() {
        let lines = |line: &str| vec![line.to_owned()];
        assert_eq!(classify(None, &lines("26601 Aliso Creek Rd Ste D")), Classification::Commercial);
        assert_eq!(classify(Some("Acme Widgets, Inc."), &lines("1 Main St")), Classification::Commercial);
        assert_eq!(classify(Some("Jane Doe"), &lines("1 Main St Apt 4")), Classification::Residential);
        // "STEVENS" is not the word "STE".
        assert_eq!(classify(None, &lines("12 Stevens Rd")), Classification::Residential);
    }
}
