//! Code 128 barcodes: choosing code sets, and the bar pattern for PDF and ZPL alike.
//!
//! barcoders encodes symbols and the checksum but wants the caller to say which code set each
//! stretch of data uses. We pick them here (code B for text, code C for long digit runs, which
//! halves their width), and emit the same plan as ZPL `^BC` invocation codes so that printed and
//! PDF barcodes are the very same symbol.

use barcoders::sym::code128::Code128;

use crate::error::DocumentError;

/// Quiet zone each side of the symbol, in modules (the standard asks for at least 10).
pub(crate) const QUIET_ZONE_MODULES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeSet {
    B,
    C,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    set: CodeSet,
    data: String,
}

/// A Code 128 symbol ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Code128Symbol {
    segments: Vec<Segment>,
    /// One entry per module, `true` for a bar; without quiet zones.
    modules: Vec<bool>,
}

impl Code128Symbol {
    pub(crate) fn new(value: &str) -> Result<Code128Symbol, DocumentError> {
        let fail = |reason: &str| DocumentError::Barcode { value: value.to_owned(), reason: reason.to_owned() };
        if value.is_empty() {
            return Err(fail("the value is empty"));
        }
        if let Some(c) = value.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(fail(&format!("it contains {c:?}")));
        }
        let segments = plan(value);
        let mut barcoders_input = String::new();
        for segment in &segments {
            barcoders_input.push(match segment.set {
                CodeSet::B => 'Ɓ',
                CodeSet::C => 'Ć',
            });
            barcoders_input.push_str(&segment.data);
        }
        let symbol = Code128::new(&barcoders_input).map_err(|e| fail(&e.to_string()))?;
        let modules = symbol.encode().into_iter().map(|m| m == 1).collect();
        Ok(Code128Symbol { segments, modules })
    }

    /// Width in modules including both quiet zones.
    pub(crate) fn width_modules(&self) -> usize {
        self.modules.len() + 2 * QUIET_ZONE_MODULES
    }

    /// The bars as (first module, width in modules), counted from the left quiet zone's start.
    pub(crate) fn bars(&self) -> Vec<(usize, usize)> {
        let mut bars = Vec::new();
        let mut start = None;
        for (i, &bar) in self.modules.iter().enumerate() {
            match (bar, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    bars.push((QUIET_ZONE_MODULES + s, i - s));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            bars.push((QUIET_ZONE_MODULES + s, self.modules.len() - s));
        }
        bars
    }

    /// Field data for ZPL `^BC` in mode N: `>:` starts code B, `>;` starts code C, `>5`/`>6`
    /// switch to C/B; a literal `>` is written `><`.
    pub(crate) fn zpl_field_data(&self) -> String {
        let mut out = String::new();
        for (i, segment) in self.segments.iter().enumerate() {
            out.push_str(match (i, segment.set) {
                (0, CodeSet::B) => ">:",
                (0, CodeSet::C) => ">;",
                (_, CodeSet::B) => ">6",
                (_, CodeSet::C) => ">5",
            });
            out.push_str(&segment.data.replace('>', "><"));
        }
        out
    }
}

/// Code C packs two digits per symbol and each switch of code set costs one symbol, so a digit run
/// is worth code C from two digits when it is the whole value (an even count, or five and more),
/// four at either end of the value and six in the middle. The odd digit of an odd run stays in
/// code B, on the side where that saves a switch.
fn plan(value: &str) -> Vec<Segment> {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let mut segments: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < n {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            push(&mut segments, CodeSet::B, &chars[i..=i]);
            i += 1;
            continue;
        }
        let (starts, ends) = (i == 0, i + run == n);
        let worth_it = match (starts, ends) {
            (true, true) => run % 2 == 0 || run >= 5,
            (true, false) | (false, true) => run >= 4,
            (false, false) => run >= 6,
        };
        let odd = run % 2;
        if !worth_it {
            push(&mut segments, CodeSet::B, &chars[i..i + run]);
        } else if starts {
            push(&mut segments, CodeSet::C, &chars[i..i + run - odd]);
            push(&mut segments, CodeSet::B, &chars[i + run - odd..i + run]);
        } else {
            push(&mut segments, CodeSet::B, &chars[i..i + odd]);
            push(&mut segments, CodeSet::C, &chars[i + odd..i + run]);
        }
        i += run;
    }
    segments
}

fn push(segments: &mut Vec<Segment>, set: CodeSet, chars: &[char]) {
    if chars.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(last) if last.set == set => last.data.extend(chars),
        _ => segments.push(Segment { set, data: chars.iter().collect() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(value: &str) -> Vec<(CodeSet, String)> {
        plan(value).into_iter().map(|s| (s.set, s.data)).collect()
    }

    #[test]
    fn text_stays_in_code_b_and_long_digit_runs_use_code_c() {
        assert_eq!(
            sets("1Z999AA10123456784"),
            vec![(CodeSet::B, "1Z999AA1".into()), (CodeSet::C, "0123456784".into())]
        );
        assert_eq!(sets("ABC"), vec![(CodeSet::B, "ABC".into())]);
        assert_eq!(sets("9400111899223344556677"), vec![(CodeSet::C, "9400111899223344556677".into())]);
        // The odd digit stays in code B where that saves a switch.
        assert_eq!(sets("12345"), vec![(CodeSet::C, "1234".into()), (CodeSet::B, "5".into())]);
        assert_eq!(sets("12345AB"), vec![(CodeSet::C, "1234".into()), (CodeSet::B, "5AB".into())]);
        assert_eq!(sets("123"), vec![(CodeSet::B, "123".into())]);
        // Four digits inside text are not worth two switches.
        assert_eq!(sets("AB1234CD"), vec![(CodeSet::B, "AB1234CD".into())]);
    }

    #[test]
    fn symbol_width_follows_the_code128_structure() {
        // Start B + 8 data + Code C + 5 pairs + checksum = 16 symbols of 11 modules, stop and
        // termination bar = 13.
        let symbol = Code128Symbol::new("1Z999AA10123456784").unwrap();
        assert_eq!(symbol.width_modules(), 16 * 11 + 13 + 2 * QUIET_ZONE_MODULES);
        // Every Code 128 symbol starts with a bar of 2 modules (start B = 11010010000).
        assert_eq!(symbol.bars()[0], (QUIET_ZONE_MODULES, 2));
    }

    #[test]
    fn zpl_data_uses_invocation_codes() {
        let symbol = Code128Symbol::new("1Z999AA10123456784").unwrap();
        assert_eq!(symbol.zpl_field_data(), ">:1Z999AA1>50123456784");
        assert_eq!(Code128Symbol::new("A>B").unwrap().zpl_field_data(), ">:A><B");
    }

    #[test]
    fn rejects_what_code128_b_cannot_carry() {
        assert!(Code128Symbol::new("").is_err());
        assert!(Code128Symbol::new("ÉTÉ").is_err());
        assert!(Code128Symbol::new("A\tB").is_err());
    }
}
