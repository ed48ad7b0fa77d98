//! The shipping carrier and method list (`GET oms/shipping-carrier/v1`, SPEC §5.3): the codes an ASN may use.

use serde::Serialize;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::xml_read::{At, Cursor, Element, Extras, Result, UnknownItem};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShippingCarriers {
    pub namespace: Option<String>,
    /// `shipping-carrier-details`, in document order (a code may appear twice: `AVRT` does).
    pub carriers: Vec<ShippingCarrierDetails>,
    pub unknown: Vec<UnknownItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShippingCarrierDetails {
    /// The code to send in an ASN, e.g. `UPS`.
    pub shipping_carrier: Option<String>,
    pub shipping_carrier_description: Option<String>,
    pub shipping_methods: Vec<ShippingMethodDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ShippingMethodDetails {
    /// The method to send in an ASN, e.g. `Ground`.
    pub shipping_method: Option<String>,
    pub shipping_method_description: Option<String>,
}

impl ShippingCarriers {
    /// Whether `carrier`/`method` is on the list. Case-insensitive: Sears's own samples mix `GROUND` and
    /// `Ground` (SPEC §5.3).
    pub fn allows(&self, carrier: &str, method: &str) -> bool {
        self.carriers.iter().any(|c| {
            c.shipping_carrier.as_deref().is_some_and(|code| code.eq_ignore_ascii_case(carrier))
                && c.shipping_methods
                    .iter()
                    .any(|m| m.shipping_method.as_deref().is_some_and(|name| name.eq_ignore_ascii_case(method)))
        })
    }

    pub fn parse(bytes: &[u8]) -> std::result::Result<ShippingCarriers, DecodeError> {
        let mut c = Cursor::new(bytes);
        let root = c.root()?;
        if root.local_name() != b"shipping-carriers" {
            let kind = DecodeErrorKind::UnexpectedRoot { expected: "a shipping-carriers list".into() };
            return Err(c.error(root.offset, Some(root.name()), kind));
        }
        let mut x = Extras::default();
        let mut list = ShippingCarriers { namespace: c.default_namespace(&root), ..Default::default() };
        c.attributes(&root, At::Origin, [], &mut x)?;
        c.enter(&root);
        c.set_path_origin();
        while let Some(el) = c.next_child()? {
            match el.local_name() {
                b"shipping-carrier-details" => list.carriers.push(read_carrier(&mut c, &el, &mut x)?),
                _ => c.unknown(&el, &mut x)?,
            }
        }
        c.finish()?;
        list.unknown = x.unknown;
        Ok(list)
    }
}

fn read_carrier<'a>(c: &mut Cursor<'a>, element: &Element<'a>, x: &mut Extras) -> Result<ShippingCarrierDetails> {
    c.enter(element);
    let mut d = ShippingCarrierDetails::default();
    let mut have_methods = false;
    while let Some(el) = c.next_child()? {
        match el.local_name() {
            b"shipping-carrier" if d.shipping_carrier.is_none() => d.shipping_carrier = Some(c.string(&el, x)?),
            b"shipping-carrier-description" if d.shipping_carrier_description.is_none() => {
                d.shipping_carrier_description = Some(c.string(&el, x)?)
            }
            b"shipping-methods" if !have_methods => {
                have_methods = true;
                c.enter(&el);
                while let Some(method) = c.next_child()? {
                    if method.local_name() != b"shipping-method-details" {
                        c.unknown(&method, x)?;
                        continue;
                    }
                    c.enter(&method);
                    let mut m = ShippingMethodDetails::default();
                    while let Some(el) = c.next_child()? {
                        match el.local_name() {
                            b"shipping-method" if m.shipping_method.is_none() => {
                                m.shipping_method = Some(c.string(&el, x)?)
                            }
                            b"shipping-method-description" if m.shipping_method_description.is_none() => {
                                m.shipping_method_description = Some(c.string(&el, x)?)
                            }
                            _ => c.unknown(&el, x)?,
                        }
                    }
                    d.shipping_methods.push(m);
                }
            }
            _ => c.unknown(&el, x)?,
        }
    }
    Ok(d)
}
