//! Shipping on the harness: the UPS sandbox beside the Sears sandbox (a real loopback port), connected as a
//! carrier account through Wharf's own verified `add`, a warehouse in Chicago (ZIP 60607), and catalog weights
//! for the showcase SKUs (Sears sends none), set before the first import so orders carry them.

use std::time::Duration;

use wharf_app::shipping::carrier_accounts::add_carrier_account;
use wharf_app::shipping::{LabelFormat, NewCarrierAccount, NewWarehouse, add_warehouse};
use wharf_carrier_sandbox::{RunningUpsSandbox, SandboxClock, SandboxConfig};
use wharf_domain::{Address, Weight};
use wharf_storage::shipping::{CarrierAccount, Warehouse};

use super::{Harness, NOW};

/// Catalog weights of the showcase SKUs, as the tests' hand-computed prices assume them.
pub const SHOWCASE_WEIGHTS: &[(&str, &str)] = &[
    ("KTCH-BLND-600W-BLK", "4 lb"),
    ("HOME-TOWEL-6PC-GRY", "2.5 lb"),
    ("LED-A19-60W-4PK", "8 oz"),
    ("TOY-PLUSH-BEAR-12", "1.5 lb"),
    ("CARD-BDAY-ASST", "2 oz"),
    ("CRFT-DRILL-20V", "5 lb"),
    ("HOME-SHEET-Q-400", "3 lb"),
    ("GARD-HOSE-50FT", "6 lb"),
    ("KNMR-REFRIGERATOR-DOOR-SHELF-BIN-GALLON-WHT-XL", "1 lb"),
    ("KNMR-WATER-FILTER-9081", "12 oz"),
    ("FAN-BOX-20IN", "6 lb"),
    ("HOME-MUG-SET-4", "3 lb"),
    ("HOME-COASTER-6", "6 oz"),
    ("AUTO-WIPER-22", "1 lb"),
    ("VAC-UPRIGHT-BGL", "15 lb"),
    ("VAC-FILTER-HEPA", "8 oz"),
    ("ELEC-SPKR-BT", "1.5 lb"),
    ("ELEC-CASE-SPKR", "10 oz"),
];

/// The UPS side of a shipping test.
pub struct Ups {
    pub sandbox: RunningUpsSandbox,
    pub carrier: CarrierAccount,
    pub warehouse: Warehouse,
}

/// The sandbox's clock: the harness's fixed `NOW`, or real time (when a `wharf` process takes part).
pub fn ups_clock(system: bool) -> SandboxClock {
    if system { SandboxClock::system() } else { SandboxClock::fixed(NOW.parse().unwrap()) }
}

/// Chicago, ZIP 60607: zone 3 to Springfield IL (627), zone 6 to Miami (331), zone 8 to New York (101).
pub fn chicago() -> Address {
    Address {
        name: "Shipping Desk".into(),
        company: Some("Harbor Goods LLC".into()),
        street1: "1200 W Fulton Market".into(),
        city: "Chicago".into(),
        state: "IL".into(),
        postal_code: "60607".into(),
        country: "US".into(),
        phone: Some("312-555-0142".into()),
        residential: Some(false),
        ..Address::default()
    }
}

impl Harness {
    /// Gives the showcase SKUs their catalog weights (before the first import, so orders are filled from them).
    pub async fn weigh_showcase(&self) {
        for (sku, weight) in SHOWCASE_WEIGHTS {
            let mut product = wharf_app::products::new_product(&self.app, &self.account, sku);
            product.weight = Some(Weight::parse(weight).unwrap());
            wharf_app::products::save_product(&self.app, &self.account, product).await.unwrap();
        }
    }

    /// Starts a UPS sandbox on the given clock, adds it as a carrier account (published rates, GIF labels)
    /// and the Chicago warehouse.
    pub async fn with_ups(&self, clock: SandboxClock) -> Ups {
        let sandbox = SandboxConfig { clock, timeout_hold: Duration::from_millis(500), ..SandboxConfig::default() }
            .start()
            .await
            .expect("the UPS sandbox starts");
        let client = sandbox.default_client();
        let carrier = add_carrier_account(
            &self.app,
            &self.account,
            NewCarrierAccount {
                carrier: "ups".into(),
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                account_number: client.account_number.clone(),
                base_url: Some(sandbox.base_url()),
                label_format: LabelFormat::Gif,
                negotiated_rates: false,
                name: Some("UPS test".into()),
            },
        )
        .await
        .expect("the sandbox accepts its own client");
        let warehouse = add_warehouse(
            &self.app,
            &self.account,
            NewWarehouse { name: "Chicago".into(), origin: chicago(), return_address: None, make_default: true },
        )
        .await
        .unwrap();
        Ups { sandbox, carrier, warehouse }
    }
}
