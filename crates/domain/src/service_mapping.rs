//! Per store: the shipping method the buyer chose on Sears (`Ground`, `Priority`, `Express`, ...) mapped to a
//! carrier, service and package.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMappingEntry {
    /// The requested service exactly as the marketplace sends it; matched ignoring case.
    pub requested: String,
    pub carrier_code: String,
    pub service_code: String,
    #[serde(default)]
    pub package_code: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceMapping(Vec<ServiceMappingEntry>);

impl ServiceMapping {
    pub fn entries(&self) -> &[ServiceMappingEntry] {
        &self.0
    }

    pub fn map(&self, requested: &str) -> Option<&ServiceMappingEntry> {
        let wanted = requested.trim();
        self.0.iter().find(|e| e.requested.trim().eq_ignore_ascii_case(wanted))
    }

    /// Adds or replaces the row for `entry.requested`.
    pub fn set(&mut self, entry: ServiceMappingEntry) {
        self.remove(&entry.requested);
        self.0.push(entry);
    }

    pub fn remove(&mut self, requested: &str) -> bool {
        let before = self.0.len();
        let wanted = requested.trim().to_owned();
        self.0.retain(|e| !e.requested.trim().eq_ignore_ascii_case(&wanted));
        before != self.0.len()
    }
}
