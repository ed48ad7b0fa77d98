//! Warehouses: where parcels leave from (the ship-from and shipper address on labels) and where returns go.
//! The first warehouse is the default; labels ship from the order's warehouse, else the default.

use wharf_domain::{AccountId, Address, Order, WarehouseId};
use wharf_storage::StorageError;
use wharf_storage::shipping::{WAREHOUSE_NAME, Warehouse};

use super::ShippingError;
use crate::App;

/// What `wharf warehouse add` gives.
pub struct NewWarehouse {
    pub name: String,
    pub origin: Address,
    pub return_address: Option<Address>,
    /// Make it the default even when another warehouse is (the first one always is).
    pub make_default: bool,
}

/// Checks that an address can go on a label: name, street, city, state, postal code and phone.
fn check_address(which: &str, address: &Address) -> Result<(), ShippingError> {
    let mut missing = Vec::new();
    for (field, value) in [
        ("name", address.name.as_str()),
        ("street1", address.street1.as_str()),
        ("city", address.city.as_str()),
        ("state", address.state.as_str()),
        ("postal-code", address.postal_code.as_str()),
        ("country", address.country.as_str()),
    ] {
        if value.trim().is_empty() {
            missing.push(field);
        }
    }
    if address.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
        // Carriers print the shipper's phone and call it about problems.
        missing.push("phone");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        let prefix = if which == "return" { "--return-" } else { "--" };
        let flags: Vec<String> = missing.iter().map(|f| format!("{prefix}{f}")).collect();
        Err(ShippingError::Invalid(format!("the {which} address needs {}", flags.join(", "))))
    }
}

pub async fn add_warehouse(app: &App, account: &AccountId, input: NewWarehouse) -> Result<Warehouse, ShippingError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        return Err(ShippingError::Invalid("give the warehouse a name with --name, e.g. --name Main".into()));
    }
    check_address("ship-from", &input.origin)?;
    if let Some(returns) = &input.return_address {
        check_address("return", returns)?;
    }
    let first = app.store.list_warehouses(account).await?.is_empty();
    let now = app.now();
    let warehouse = Warehouse {
        warehouse_id: WarehouseId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        name: name.clone(),
        origin: input.origin,
        return_address: input.return_address,
        is_default: first || input.make_default,
        create_date: now,
        modify_date: now,
    };
    match app.store.insert_warehouse(&warehouse).await {
        Ok(()) => Ok(warehouse),
        Err(StorageError::Duplicate { what: WAREHOUSE_NAME, .. }) => {
            Err(ShippingError::Invalid(format!("a warehouse named '{name}' already exists; choose another --name")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Finds a warehouse by id or name.
pub async fn find_warehouse(app: &App, account: &AccountId, id_or_name: &str) -> Result<Warehouse, ShippingError> {
    let wanted = id_or_name.trim();
    let all = app.store.list_warehouses(account).await?;
    all.iter()
        .find(|w| w.warehouse_id.as_str() == wanted)
        .or_else(|| all.iter().find(|w| w.name.eq_ignore_ascii_case(wanted)))
        .cloned()
        .ok_or_else(|| ShippingError::NotFound(format!("no warehouse '{wanted}'; see `wharf warehouse list`")))
}

pub async fn set_default_warehouse(
    app: &App,
    account: &AccountId,
    id_or_name: &str,
) -> Result<Warehouse, ShippingError> {
    let found = find_warehouse(app, account, id_or_name).await?;
    app.store.set_default_warehouse(account, &found.warehouse_id, app.now()).await?;
    Ok(app.store.get_warehouse(account, &found.warehouse_id).await?)
}

pub async fn default_warehouse(app: &App, account: &AccountId) -> Result<Option<Warehouse>, ShippingError> {
    Ok(app.store.list_warehouses(account).await?.into_iter().find(|w| w.is_default))
}

/// The warehouse an order ships from: the one named (the request's, else the order's), else the default.
pub async fn warehouse_for(
    app: &App,
    account: &AccountId,
    order: &Order,
    requested: Option<&WarehouseId>,
) -> Result<Warehouse, ShippingError> {
    if let Some(id) = requested.or(order.advanced_options.warehouse_id.as_ref()) {
        return app.store.get_warehouse(account, id).await.map_err(|e| match e {
            StorageError::NotFound { .. } => ShippingError::Invalid(format!(
                "order {} ships from warehouse {id}, which does not exist; choose one of `wharf warehouse list`",
                order.order_number
            )),
            other => other.into(),
        });
    }
    default_warehouse(app, account).await?.ok_or_else(|| {
        ShippingError::Invalid(
            "no warehouse to ship from: add one with `wharf warehouse add --name Main --street1 … --city … --state … \
             --postal-code … --phone …` (labels need a ship-from address)"
                .into(),
        )
    })
}
