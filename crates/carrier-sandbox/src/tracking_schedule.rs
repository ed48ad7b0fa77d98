//! How a package moves on the sandbox clock, from the instant its label was created (T) and the
//! service's transit days (D):
//!
//! | when            | milestone        | type | activity code | statusCode |
//! |-----------------|------------------|------|---------------|------------|
//! | T               | label created    | M    | MP            | 003        |
//! | T + 2 h         | picked up        | P    | PU            | 038        |
//! | T + 6 h         | departed origin  | I    | DP            | 005        |
//! | T + D×24 h − 8 h| arrived at dest. | I    | AR            | 005        |
//! | T + D×24 h − 4 h| out for delivery | O    | OT            | 021        |
//! | T + D×24 h      | delivered        | D    | FS            | 011        |
//!
//! A voided package stops where it was and gets a final `X` / `VO` / `007` event at the void.

use jiff::{SignedDuration, Timestamp};

pub const PICKUP_AFTER: SignedDuration = SignedDuration::from_hours(2);
pub const DEPARTURE_AFTER: SignedDuration = SignedDuration::from_hours(6);
pub const ARRIVAL_BEFORE_DELIVERY: SignedDuration = SignedDuration::from_hours(8);
pub const OUT_FOR_DELIVERY_BEFORE_DELIVERY: SignedDuration = SignedDuration::from_hours(4);

/// A step of a package's journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    LabelCreated,
    PickedUp,
    Departed,
    Arrived,
    OutForDelivery,
    Delivered,
    Voided,
}

/// Where an event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Origin,
    Destination,
}

impl Milestone {
    /// UPS status type (`status.type`).
    pub fn status_type(self) -> &'static str {
        match self {
            Milestone::LabelCreated => "M",
            Milestone::PickedUp => "P",
            Milestone::Departed | Milestone::Arrived => "I",
            Milestone::OutForDelivery => "O",
            Milestone::Delivered => "D",
            Milestone::Voided => "X",
        }
    }

    /// UPS activity code (`status.code`).
    pub fn activity_code(self) -> &'static str {
        match self {
            Milestone::LabelCreated => "MP",
            Milestone::PickedUp => "PU",
            Milestone::Departed => "DP",
            Milestone::Arrived => "AR",
            Milestone::OutForDelivery => "OT",
            Milestone::Delivered => "FS",
            Milestone::Voided => "VO",
        }
    }

    /// UPS API status code (`status.statusCode`).
    pub fn status_code(self) -> &'static str {
        match self {
            Milestone::LabelCreated => "003",
            Milestone::PickedUp => "038",
            Milestone::Departed | Milestone::Arrived => "005",
            Milestone::OutForDelivery => "021",
            Milestone::Delivered => "011",
            Milestone::Voided => "007",
        }
    }

    /// `status.description`.
    pub fn description(self) -> &'static str {
        match self {
            Milestone::LabelCreated => "Shipper created a label, UPS has not received the package yet.",
            Milestone::PickedUp => "Pickup Scan",
            Milestone::Departed => "Departed from Facility",
            Milestone::Arrived => "Arrived at Facility",
            Milestone::OutForDelivery => "Out For Delivery Today",
            Milestone::Delivered => "DELIVERED",
            Milestone::Voided => "Shipment information voided by the shipper",
        }
    }

    /// `status.simplifiedTextDescription`.
    pub fn simplified(self) -> &'static str {
        match self {
            Milestone::LabelCreated => "Label Created",
            Milestone::PickedUp => "Picked Up",
            Milestone::Departed | Milestone::Arrived => "On the Way",
            Milestone::OutForDelivery => "Out for Delivery",
            Milestone::Delivered => "Delivered",
            Milestone::Voided => "Voided",
        }
    }

    fn place(self) -> Place {
        match self {
            Milestone::LabelCreated | Milestone::PickedUp | Milestone::Departed | Milestone::Voided => Place::Origin,
            Milestone::Arrived | Milestone::OutForDelivery | Milestone::Delivered => Place::Destination,
        }
    }
}

/// One tracking event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub milestone: Milestone,
    pub at: Timestamp,
    pub place: Place,
}

fn later(at: Timestamp, by: SignedDuration) -> Timestamp {
    at.saturating_add(by).unwrap_or(Timestamp::MAX)
}

/// When a package created at `created_at` is picked up (the end of its void period).
pub fn picked_up_at(created_at: Timestamp) -> Timestamp {
    later(created_at, PICKUP_AFTER)
}

/// When it is delivered, after `transit_days`.
pub fn delivered_at(created_at: Timestamp, transit_days: u32) -> Timestamp {
    later(created_at, SignedDuration::from_hours(24 * i64::from(transit_days)))
}

/// The events that have happened by `now`, oldest first.
pub fn events(created_at: Timestamp, transit_days: u32, voided_at: Option<Timestamp>, now: Timestamp) -> Vec<Event> {
    let delivered = delivered_at(created_at, transit_days);
    let schedule = [
        (Milestone::LabelCreated, created_at),
        (Milestone::PickedUp, picked_up_at(created_at)),
        (Milestone::Departed, later(created_at, DEPARTURE_AFTER)),
        (Milestone::Arrived, later(delivered, -ARRIVAL_BEFORE_DELIVERY)),
        (Milestone::OutForDelivery, later(delivered, -OUT_FOR_DELIVERY_BEFORE_DELIVERY)),
        (Milestone::Delivered, delivered),
    ];
    let cutoff = voided_at.map_or(now, |voided| voided.min(now));
    let mut events: Vec<Event> = schedule
        .iter()
        .filter(|(_, at)| *at <= cutoff)
        .map(|&(milestone, at)| Event { milestone, at, place: milestone.place() })
        .collect();
    if let Some(voided) = voided_at.filter(|voided| *voided <= now) {
        events.push(Event { milestone: Milestone::Voided, at: voided, place: Place::Origin });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    #[test]
    fn a_two_day_package_moves_on_schedule() {
        let created = at("2026-03-02T15:00:00Z");
        let milestones = |now: &str| -> Vec<Milestone> {
            events(created, 2, None, at(now)).iter().map(|event| event.milestone).collect()
        };
        assert_eq!(milestones("2026-03-02T16:59:59Z"), [Milestone::LabelCreated]);
        assert_eq!(milestones("2026-03-02T17:00:00Z"), [Milestone::LabelCreated, Milestone::PickedUp]);
        // Delivery at 2026-03-04T15:00Z; out for delivery 4 h before.
        assert_eq!(milestones("2026-03-04T11:00:00Z").last(), Some(&Milestone::OutForDelivery));
        assert_eq!(milestones("2026-03-04T15:00:00Z").len(), 6);
    }

    #[test]
    fn a_voided_package_stops_at_the_void() {
        let created = at("2026-03-02T15:00:00Z");
        let voided = at("2026-03-02T15:30:00Z");
        let events = events(created, 1, Some(voided), at("2026-03-09T00:00:00Z"));
        let milestones: Vec<_> = events.iter().map(|event| event.milestone).collect();
        assert_eq!(milestones, [Milestone::LabelCreated, Milestone::Voided]);
    }
}
