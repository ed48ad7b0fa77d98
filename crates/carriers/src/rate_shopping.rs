//! Choosing among rates, as pure functions of the quotes.
//!
//! Rates from one carrier account share one currency; when a list mixes currencies, only the rates in the
//! currency of the list's first rate are compared (amounts in different currencies are not comparable).

use jiff::civil::{Date, Time};
use serde::Serialize;

use crate::rate::Rate;

/// The cheapest rate whose estimated delivery date is on or before `deliver_by`.
///
/// `deliver_by` is the last acceptable delivery day in the destination's calendar (the app derives it,
/// for example from the order's ship-by date and the delivery promise of the service the buyer chose).
/// Rates without a delivery estimate are never chosen: nothing shows they arrive in time. Ties on price go
/// to the earlier delivery, then to the lower carrier service code, so the choice is stable.
pub fn cheapest_delivered_by(rates: &[Rate], deliver_by: Date) -> Option<&Rate> {
    comparable(rates).filter(|rate| rate.delivery.is_some_and(|d| d.date <= deliver_by)).min_by(|a, b| {
        a.total
            .amount
            .cmp(&b.total.amount)
            .then_with(|| arrival(a).cmp(&arrival(b)))
            .then_with(|| a.carrier_service_code.cmp(&b.carrier_service_code))
    })
}

/// Which rates of a list to badge as cheapest and fastest (indexes into the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RateMarks {
    pub cheapest: Option<usize>,
    /// The earliest estimated arrival; rates without an estimate are never fastest. Ties go to the cheaper.
    pub fastest: Option<usize>,
}

pub fn mark_cheapest_and_fastest(rates: &[Rate]) -> RateMarks {
    let currency = rates.first().map(|r| r.total.currency.as_str());
    let indexed = || rates.iter().enumerate().filter(|(_, r)| Some(r.total.currency.as_str()) == currency);
    let cheapest = indexed()
        .min_by(|(_, a), (_, b)| {
            a.total.amount.cmp(&b.total.amount).then_with(|| arrival_or_never(a).cmp(&arrival_or_never(b)))
        })
        .map(|(i, _)| i);
    let fastest = indexed()
        .filter(|(_, r)| r.delivery.is_some())
        .min_by(|(_, a), (_, b)| arrival(a).cmp(&arrival(b)).then_with(|| a.total.amount.cmp(&b.total.amount)))
        .map(|(i, _)| i);
    RateMarks { cheapest, fastest }
}

fn comparable(rates: &[Rate]) -> impl Iterator<Item = &Rate> {
    let currency = rates.first().map(|r| r.total.currency.clone());
    rates.iter().filter(move |r| Some(&r.total.currency) == currency.as_ref())
}

/// Arrival as (date, time); a missing time counts as end of day, since "by end of day" is what it means.
fn arrival(rate: &Rate) -> Option<(Date, Time)> {
    rate.delivery.map(|d| (d.date, d.time.unwrap_or(Time::MAX)))
}

/// Like [`arrival`], but rates without an estimate sort after every estimate.
fn arrival_or_never(rate: &Rate) -> (bool, Option<(Date, Time)>) {
    (rate.delivery.is_none(), arrival(rate))
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::money::Money;
    use crate::rate::DeliveryEstimate;

    fn rate(code: &str, total: Decimal, delivery: Option<(Date, Option<Time>)>) -> Rate {
        Rate {
            carrier: "ups".into(),
            service: None,
            carrier_service_code: code.into(),
            service_name: code.into(),
            total: Money::usd(total),
            list_total: Money::usd(total),
            negotiated: false,
            billing_weight: None,
            delivery: delivery.map(|(date, time)| DeliveryEstimate {
                date,
                time,
                business_days: None,
                guaranteed: false,
            }),
            messages: vec![],
        }
    }

    fn quotes() -> Vec<Rate> {
        vec![
            rate("01", dec!(42.10), Some((date(2026, 3, 10), Some(time(10, 30, 0, 0))))),
            rate("02", dec!(21.75), Some((date(2026, 3, 11), None))),
            rate("03", dec!(9.80), Some((date(2026, 3, 13), None))),
            rate("12", dec!(15.40), Some((date(2026, 3, 12), None))),
            rate("93", dec!(7.95), None),
        ]
    }

    #[test]
    fn picks_the_cheapest_rate_that_arrives_in_time() {
        let rates = quotes();
        let pick = |deadline| cheapest_delivered_by(&rates, deadline).map(|r| r.carrier_service_code.as_str());
        assert_eq!(pick(date(2026, 3, 13)), Some("03"));
        assert_eq!(pick(date(2026, 3, 12)), Some("12"));
        assert_eq!(pick(date(2026, 3, 11)), Some("02"));
        assert_eq!(pick(date(2026, 3, 10)), Some("01"));
        assert_eq!(pick(date(2026, 3, 9)), None);
    }

    #[test]
    fn a_rate_without_estimate_is_never_chosen_for_a_deadline() {
        let rates = vec![rate("93", dec!(7.95), None)];
        assert_eq!(cheapest_delivered_by(&rates, date(2030, 1, 1)), None);
    }

    #[test]
    fn price_ties_go_to_the_earlier_delivery() {
        let rates = vec![
            rate("03", dec!(10.00), Some((date(2026, 3, 13), None))),
            rate("12", dec!(10.00), Some((date(2026, 3, 12), None))),
        ];
        assert_eq!(cheapest_delivered_by(&rates, date(2026, 3, 20)).unwrap().carrier_service_code, "12");
    }

    #[test]
    fn marks_cheapest_and_fastest() {
        assert_eq!(mark_cheapest_and_fastest(&quotes()), RateMarks { cheapest: Some(4), fastest: Some(0) });
        assert_eq!(mark_cheapest_and_fastest(&[]), RateMarks::default());
    }

    #[test]
    fn a_time_of_day_beats_end_of_day_on_the_same_date() {
        let rates = vec![
            rate("13", dec!(30.00), Some((date(2026, 3, 10), None))),
            rate("01", dec!(42.00), Some((date(2026, 3, 10), Some(time(10, 30, 0, 0))))),
            rate("14", dec!(90.00), Some((date(2026, 3, 10), Some(time(8, 0, 0, 0))))),
        ];
        assert_eq!(mark_cheapest_and_fastest(&rates).fastest, Some(2));
    }

    #[test]
    fn other_currencies_are_not_compared() {
        let mut rates = quotes();
        rates[4].total = Money::new(dec!(1.00), "CAD");
        assert_eq!(mark_cheapest_and_fastest(&rates).cheapest, Some(2));
    }
}
