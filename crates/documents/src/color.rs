//! Colours as sellers write them: `#RRGGBB` (or `#RGB`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DocumentError;

/// An sRGB colour. Parsed from `#RRGGBB` or `#RGB`; shown as lowercase `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
}

impl Rgb {
    pub const BLACK: Rgb = Rgb::new(0, 0, 0);
    pub const WHITE: Rgb = Rgb::new(255, 255, 255);

    pub const fn new(red: u8, green: u8, blue: u8) -> Rgb {
        Rgb { red, green, blue }
    }

    /// This colour mixed with white; `amount` 0 gives the colour, 1 gives white. Used for the
    /// light tints behind table headers and the gift message.
    pub fn tint(self, amount: f32) -> Rgb {
        let mix = |c: u8| (f32::from(c) + (255.0 - f32::from(c)) * amount.clamp(0.0, 1.0)) as u8;
        Rgb::new(mix(self.red), mix(self.green), mix(self.blue))
    }

    pub(crate) fn to_krilla(self) -> krilla::color::rgb::Color {
        krilla::color::rgb::Color::new(self.red, self.green, self.blue)
    }
}

impl FromStr for Rgb {
    type Err = DocumentError;

    fn from_str(s: &str) -> Result<Rgb, DocumentError> {
        let invalid = || DocumentError::InvalidColor { value: s.to_owned() };
        let hex = s.trim().strip_prefix('#').ok_or_else(invalid)?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let channel = |i: usize, len: usize| u8::from_str_radix(&hex[i * len..(i + 1) * len], 16);
        let (red, green, blue) = match hex.len() {
            6 => (channel(0, 2), channel(1, 2), channel(2, 2)),
            // #abc means #aabbcc.
            3 => {
                let short = |i| channel(i, 1).map(|v| v * 17);
                (short(0), short(1), short(2))
            }
            _ => return Err(invalid()),
        };
        Ok(Rgb::new(red.map_err(|_| invalid())?, green.map_err(|_| invalid())?, blue.map_err(|_| invalid())?))
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.red, self.green, self.blue)
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rgb, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_long_and_short_forms() {
        assert_eq!("#1F6FEB".parse::<Rgb>().unwrap(), Rgb::new(0x1f, 0x6f, 0xeb));
        assert_eq!("#fa0".parse::<Rgb>().unwrap(), Rgb::new(0xff, 0xaa, 0x00));
        assert_eq!(Rgb::new(0x1f, 0x6f, 0xeb).to_string(), "#1f6feb");
    }

    #[test]
    fn rejects_what_is_not_a_hex_colour() {
        for bad in ["1f6feb", "#1f6fe", "#ggg", "red", "#+1+1+1", ""] {
            assert!(bad.parse::<Rgb>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn tint_moves_towards_white() {
        assert_eq!(Rgb::new(0, 100, 255).tint(0.5), Rgb::new(127, 177, 255));
        assert_eq!(Rgb::BLACK.tint(1.0), Rgb::WHITE);
    }
}
